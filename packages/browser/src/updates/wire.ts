/**
 * The messages of the updates channel (`PROTOCOL.md` next to this file):
 * UTF-8 JSON, one message per realtime frame. One validating parser for
 * everything that arrives, and the encoders; no I/O.
 */
import { MAX_MESSAGE_SIZE } from '@rtmesh/core/portable'
import { SEND_UPDATE_MAX_SIZE } from './service.ts'
import { InvalidUpdateError, UpdateTooLargeError } from './errors.ts'

/** Wire version written and accepted. */
export const UPDATES_WIRE_VERSION = 1

/** An update id (and an instance id): 16 random bytes as 32 lowercase hex digits. */
const ID_PATTERN = /^[0-9a-f]{32}$/

/** The optional string fields of a webxdc update (`SendingStatusUpdate`). */
const STRING_FIELDS = ['info', 'document', 'summary', 'href'] as const

/** An update after checking: its normalized JSON and that JSON's UTF-8 size. */
export interface CheckedUpdate {
  json: string
  size: number
}

/** An update with its id, as sent and as found in a log answer. */
export interface IdentifiedUpdate {
  id: string
  update: CheckedUpdate
}

/** A message of the updates channel, parsed and checked. */
export type UpdatesMessage =
  | { type: 'update', id: string, update: CheckedUpdate }
  | { type: 'sync', from: string }
  | { type: 'log', updates: IdentifiedUpdate[] }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A fresh update id. */
export function newUpdateId (): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}

export function isUpdateId (value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value)
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The fields of a webxdc update that are kept, checked: an object with a
 * `payload` (any JSON value, `null` included), `info`, `document`,
 * `summary` and `href` strings if present, `notify` an object of strings if
 * present. Other fields are dropped. Returns why the value is not an update.
 */
export function normalizeUpdate (value: unknown): Record<string, unknown> | string {
  if (!isPlainObject(value)) return 'the update must be an object'
  if (!Object.hasOwn(value, 'payload') || value.payload === undefined) return 'the update has no payload'
  const update: Record<string, unknown> = { payload: value.payload }
  for (const field of STRING_FIELDS) {
    const text = value[field]
    if (text === undefined) continue
    if (typeof text !== 'string') return `${field} must be a string`
    update[field] = text
  }
  const notify = value.notify
  if (notify !== undefined) {
    if (!isPlainObject(notify)) return 'notify must be an object'
    for (const text of Object.values(notify)) {
      if (typeof text !== 'string') return 'notify must map addresses to strings'
    }
    update.notify = notify
  }
  return update
}

/** UTF-8 length of a string, without encoding it when it cannot fit `limit` anyway. */
function utf8Length (text: string, limit: number): number {
  // a UTF-16 code unit takes 1 to 3 UTF-8 bytes
  if (text.length > limit) return Math.max(text.length, limit + 1)
  return encoder.encode(text).byteLength
}

/**
 * Checks an update an app sends: what it throws is what `sendUpdate` throws
 * (`InvalidUpdateError`, a `TypeError`; `UpdateTooLargeError`, a
 * `RangeError`). The update is serialized once here, so later changes the app
 * makes to its object do not reach the log.
 */
export function checkOwnUpdate (value: unknown): CheckedUpdate {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (err) {
    // cycles, BigInt, a throwing toJSON
    throw new InvalidUpdateError(`the update cannot be serialized as JSON (${err instanceof Error ? err.message : String(err)})`)
  }
  if (typeof json !== 'string') throw new InvalidUpdateError('the update cannot be serialized as JSON')
  if (json.length > SEND_UPDATE_MAX_SIZE) throw new UpdateTooLargeError(utf8Length(json, SEND_UPDATE_MAX_SIZE), SEND_UPDATE_MAX_SIZE)
  const update = normalizeUpdate(JSON.parse(json))
  if (typeof update === 'string') throw new InvalidUpdateError(update)
  const normalized = JSON.stringify(update)
  const size = utf8Length(normalized, SEND_UPDATE_MAX_SIZE)
  if (size > SEND_UPDATE_MAX_SIZE) throw new UpdateTooLargeError(size, SEND_UPDATE_MAX_SIZE)
  return { json: normalized, size }
}

/** Checks an update that came from the mesh; `undefined` if it is not one. */
function checkUpdate (value: unknown): CheckedUpdate | undefined {
  const update = normalizeUpdate(value)
  if (typeof update === 'string') return undefined
  const json = JSON.stringify(update)
  const size = utf8Length(json, SEND_UPDATE_MAX_SIZE)
  return size > SEND_UPDATE_MAX_SIZE ? undefined : { json, size }
}

function checkIdentified (value: unknown): IdentifiedUpdate | undefined {
  if (!isPlainObject(value) || !isUpdateId(value.id)) return undefined
  const update = checkUpdate(value.update)
  return update === undefined ? undefined : { id: value.id, update }
}

function parseObject (value: Record<string, unknown>): UpdatesMessage | undefined {
  if (value.v !== UPDATES_WIRE_VERSION) return undefined
  switch (value.type) {
    case 'update': {
      const identified = checkIdentified(value)
      return identified === undefined ? undefined : { type: 'update', ...identified }
    }
    case 'sync':
      return isUpdateId(value.from) ? { type: 'sync', from: value.from } : undefined
    case 'log': {
      if (!Array.isArray(value.updates) || value.updates.length === 0) return undefined
      const updates: IdentifiedUpdate[] = []
      for (const item of value.updates as unknown[]) {
        const identified = checkIdentified(item)
        if (identified === undefined) return undefined
        updates.push(identified)
      }
      return { type: 'log', updates }
    }
    default:
      return undefined
  }
}

/**
 * The one parser of what arrives on the updates channel: every byte is
 * hostile. Returns `undefined` for anything that is not a well-formed
 * message of this version (not UTF-8, not JSON, unknown type, a bad id, an
 * update that is not one or too large, a log answer with any bad entry).
 * Never throws.
 */
export function parseUpdatesMessage (data: Uint8Array): UpdatesMessage | undefined {
  if (data.byteLength > MAX_MESSAGE_SIZE) return undefined
  try {
    const value: unknown = JSON.parse(decoder.decode(data))
    return isPlainObject(value) ? parseObject(value) : undefined
  } catch {
    // invalid UTF-8, invalid JSON, or JSON nested too deeply to serialize again
    return undefined
  }
}

const UPDATE_HEAD = `{"v":${UPDATES_WIRE_VERSION},"type":"update","id":"`
const LOG_HEAD = `{"v":${UPDATES_WIRE_VERSION},"type":"log","updates":[`
const LOG_TAIL = ']}'
const ENTRY_HEAD = '{"id":"'
const ENTRY_MIDDLE = '","update":'
const ENTRY_TAIL = '}'

/** An update as sent when it is made: `{"v":1,"type":"update","id":…,"update":…}`. */
export function encodeUpdate (id: string, update: CheckedUpdate): Uint8Array {
  return encoder.encode(`${UPDATE_HEAD}${id}${ENTRY_MIDDLE}${update.json}${ENTRY_TAIL}`)
}

/** A sync request of the instance `from` (a random id per instance, like an update id): `{"v":1,"type":"sync","from":…}`. */
export function encodeSync (from: string): Uint8Array {
  return encoder.encode(`{"v":${UPDATES_WIRE_VERSION},"type":"sync","from":"${from}"}`)
}

/** Bytes of a log answer without entries. */
export const LOG_OVERHEAD_BYTES = LOG_HEAD.length + LOG_TAIL.length

/** Bytes an update of `size` bytes adds to a log answer (its comma included). */
export function logEntryBytes (size: number): number {
  return ENTRY_HEAD.length + 32 + ENTRY_MIDDLE.length + size + ENTRY_TAIL.length + 1
}

/** A log answer: `{"v":1,"type":"log","updates":[{"id":…,"update":…},…]}`; the caller keeps it within `MAX_MESSAGE_SIZE` with {@link logEntryBytes}. */
export function encodeLog (updates: Array<{ id: string, json: string }>): Uint8Array {
  const entries = updates.map((u) => `${ENTRY_HEAD}${u.id}${ENTRY_MIDDLE}${u.json}${ENTRY_TAIL}`)
  return encoder.encode(`${LOG_HEAD}${entries.join(',')}${LOG_TAIL}`)
}
