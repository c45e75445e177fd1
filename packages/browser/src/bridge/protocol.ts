/**
 * The bridge's messages (PROTOCOL.md next to this file): the port handshake,
 * the frame's name, what a frame posts to its host and what the host posts
 * back. One validating parser per direction; a parser never throws and
 * returns `undefined` for anything that is not exactly a message. No I/O.
 */
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'
import { MAX_MESSAGE_SIZE } from '@rtmesh/core/api'
import { SEND_UPDATE_MAX_SIZE } from '../updates/service.ts'
import { BRIDGE_VERSION } from './constants.ts'

/** What the host posts to the frame's window, with the port transferred. */
export interface PortMessage {
  rtmesh: 'port'
  v: number
}

/** Who the app runs as: `webxdc.selfAddr` and `webxdc.selfName`. */
export interface FrameIdentity {
  selfAddr: string
  selfName: string
}

/** A file an app hands to `sendToChat`, as webxdc defines it. */
export type ChatFile = { name: string } & ({ blob: Blob } | { base64: string } | { plainText: string })

/** What `webxdc.sendToChat(message)` takes: a file, a text, or both. */
export interface ChatMessage {
  file?: ChatFile
  text?: string
}

/** Frame to host. `ch` numbers the frame's joins (1, 2, …); `id` its requests. */
export type FrameMessage =
  | { type: 'join', ch: number }
  | { type: 'send', ch: number, data: ArrayBuffer }
  | { type: 'leave', ch: number }
  | { type: 'update', json: string }
  | { type: 'listen', id: number, since: number }
  | { type: 'getAll', id: number }
  | { type: 'sendToChat', id: number, message: ChatMessage }
  | { type: 'bye' }

/** Host to frame. */
export type HostMessage =
  | { type: 'hello', selfAddr: string, selfName: string }
  | { type: 'data', ch: number, data: ArrayBuffer }
  | { type: 'update', id: number, update: ReceivedStatusUpdate<unknown> }
  | { type: 'ready', id: number }
  | { type: 'all', id: number, updates: Array<ReceivedStatusUpdate<unknown>> }
  | { type: 'result', id: number, error?: string }

type Fields = Record<string, unknown>

/** `value` as an object with exactly the keys `required` plus any of `optional`, else `undefined`. */
function fields (value: unknown, required: readonly string[], optional: readonly string[] = []): Fields | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length > required.length + optional.length) return undefined
  for (const key of keys) if (!required.includes(key) && !optional.includes(key)) return undefined
  for (const key of required) if (!Object.hasOwn(value, key)) return undefined
  return value as Fields
}

/** A request or join counter: a positive safe integer. */
function isCounter (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

/** `ArrayBuffer.prototype.byteLength`: its getter throws for anything but an `ArrayBuffer`, of any realm. */
const byteLengthProperty = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')

/**
 * The length of `value` if it is an `ArrayBuffer` (of any realm; not a
 * `SharedArrayBuffer`, which its sender could still change), else `undefined`.
 */
export function arrayBufferLength (value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  try {
    const length: unknown = byteLengthProperty?.get?.call(value)
    return typeof length === 'number' ? length : undefined
  } catch {
    return undefined
  }
}

function isBlob (value: unknown): value is Blob {
  return typeof Blob === 'function' && value instanceof Blob
}

/** UTF-8 length of a well-formed string. */
export function utf8Length (text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

const UPDATE_STRING_FIELDS = ['info', 'document', 'summary', 'href'] as const

/** Why `value` is not a webxdc status update, or `undefined` if it is one. */
function updateProblem (value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the update must be an object'
  const update = value as Fields
  if (!Object.hasOwn(update, 'payload') || update.payload === undefined) return 'the update has no payload'
  for (const field of UPDATE_STRING_FIELDS) {
    if (update[field] !== undefined && typeof update[field] !== 'string') return `${field} must be a string`
  }
  const notify = update.notify
  if (notify !== undefined) {
    if (typeof notify !== 'object' || notify === null || Array.isArray(notify)) return 'notify must be an object'
    if (Object.values(notify).some((text) => typeof text !== 'string')) return 'notify must map addresses to strings'
  }
  return undefined
}

/**
 * Serializes an update an app passes to `sendUpdate`, throwing what
 * `sendUpdate` throws: `TypeError` if it is not an object with a payload,
 * has a field of the wrong type or is not serializable, `RangeError` above
 * `SEND_UPDATE_MAX_SIZE` bytes.
 */
export function serializeUpdate (update: unknown): string {
  const problem = updateProblem(update)
  if (problem !== undefined) throw new TypeError(`sendUpdate: ${problem}`)
  let json: unknown
  try {
    json = JSON.stringify(update)
  } catch (err) {
    throw new TypeError(`sendUpdate: the update cannot be serialized as JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (typeof json !== 'string') throw new TypeError('sendUpdate: the update cannot be serialized as JSON')
  const size = json.length > SEND_UPDATE_MAX_SIZE ? json.length : utf8Length(json)
  if (size > SEND_UPDATE_MAX_SIZE) throw new RangeError(`sendUpdate: the update takes ${size} bytes or more, above the limit of ${SEND_UPDATE_MAX_SIZE}`)
  return json
}

/** The update in `json` if it is one of at most `SEND_UPDATE_MAX_SIZE` UTF-8 bytes, else `undefined`. */
export function parseUpdateJson (json: string): SendingStatusUpdate<unknown> | undefined {
  if (json.length > SEND_UPDATE_MAX_SIZE || utf8Length(json) > SEND_UPDATE_MAX_SIZE) return undefined
  let update: unknown
  try {
    update = JSON.parse(json)
  } catch {
    return undefined
  }
  return updateProblem(update) === undefined ? update as SendingStatusUpdate<unknown> : undefined
}

/** `value` if it is a `sendToChat` message, else why not. */
export function checkChatMessage (value: unknown): ChatMessage | string {
  const message = fields(value, [], ['file', 'text'])
  if (message === undefined) return 'sendToChat expects an object with a file, a text or both'
  const { file, text } = message
  if (text !== undefined && typeof text !== 'string') return 'sendToChat: text must be a string'
  if (file === undefined) return text === undefined ? 'sendToChat: give a file, a text or both' : { text }
  const f = fields(file, ['name'], ['blob', 'base64', 'plainText'])
  if (f === undefined || typeof f.name !== 'string') return 'sendToChat: the file needs a name and one of blob, base64, plainText'
  let chatFile: ChatFile
  if (Object.keys(f).length !== 2) return 'sendToChat: the file needs exactly one of blob, base64, plainText'
  if (isBlob(f.blob)) chatFile = { name: f.name, blob: f.blob }
  else if (typeof f.base64 === 'string') chatFile = { name: f.name, base64: f.base64 }
  else if (typeof f.plainText === 'string') chatFile = { name: f.name, plainText: f.plainText }
  else return 'sendToChat: blob must be a Blob, base64 and plainText strings'
  return text === undefined ? { file: chatFile } : { file: chatFile, text }
}

/** The handshake message the host posts with the port. */
export function portMessage (): PortMessage {
  return { rtmesh: 'port', v: BRIDGE_VERSION }
}

/** True if `value` is the handshake of this protocol version. */
export function isPortMessage (value: unknown): value is PortMessage {
  const message = fields(value, ['rtmesh', 'v'])
  return message !== undefined && message.rtmesh === 'port' && message.v === BRIDGE_VERSION
}

/** The frame's `name` (the iframe's `name` attribute) that carries its identity: JSON, nothing secret. */
export function frameName (identity: FrameIdentity): string {
  return JSON.stringify({ rtmesh: BRIDGE_VERSION, selfAddr: identity.selfAddr, selfName: identity.selfName })
}

/** The identity in a frame's `name`, or `undefined` if the name is not one {@link frameName} made. */
export function parseFrameName (name: string): FrameIdentity | undefined {
  let value: unknown
  try {
    value = JSON.parse(name)
  } catch {
    return undefined
  }
  const parsed = fields(value, ['rtmesh', 'selfAddr', 'selfName'])
  if (parsed?.rtmesh !== BRIDGE_VERSION || typeof parsed.selfAddr !== 'string' || typeof parsed.selfName !== 'string') return undefined
  return { selfAddr: parsed.selfAddr, selfName: parsed.selfName }
}

/**
 * The host's parser: what a frame posted, checked, or `undefined` for
 * anything else (unknown types, missing or extra fields, wrong types, data
 * that is not an `ArrayBuffer` of at most 128 000 bytes). Never throws.
 */
export function parseFrameMessage (value: unknown): FrameMessage | undefined {
  try {
    const type = (fields(value, ['type'], ['ch', 'data', 'json', 'id', 'since', 'message']))?.type
    switch (type) {
      case 'join':
      case 'leave': {
        const m = fields(value, ['type', 'ch'])
        return m !== undefined && isCounter(m.ch) ? { type, ch: m.ch } : undefined
      }
      case 'send': {
        const m = fields(value, ['type', 'ch', 'data'])
        if (m === undefined || !isCounter(m.ch)) return undefined
        const size = arrayBufferLength(m.data)
        return size !== undefined && size <= MAX_MESSAGE_SIZE ? { type, ch: m.ch, data: m.data as ArrayBuffer } : undefined
      }
      case 'update': {
        const m = fields(value, ['type', 'json'])
        return m !== undefined && typeof m.json === 'string' && m.json.length <= SEND_UPDATE_MAX_SIZE ? { type, json: m.json } : undefined
      }
      case 'listen': {
        const m = fields(value, ['type', 'id', 'since'])
        return m !== undefined && isCounter(m.id) && typeof m.since === 'number' && Number.isSafeInteger(m.since) && m.since >= 0
          ? { type, id: m.id, since: m.since }
          : undefined
      }
      case 'getAll': {
        const m = fields(value, ['type', 'id'])
        return m !== undefined && isCounter(m.id) ? { type, id: m.id } : undefined
      }
      case 'sendToChat': {
        const m = fields(value, ['type', 'id', 'message'])
        if (m === undefined || !isCounter(m.id)) return undefined
        const message = checkChatMessage(m.message)
        return typeof message === 'string' ? undefined : { type, id: m.id, message }
      }
      case 'bye':
        return fields(value, ['type']) === undefined ? undefined : { type }
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}

function isReceivedUpdate (value: unknown): value is ReceivedStatusUpdate<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const { serial, max_serial: maxSerial } = value as Fields
  return typeof serial === 'number' && typeof maxSerial === 'number'
}

/** The frame's parser: what its host posted, or `undefined`. Never throws. */
export function parseHostMessage (value: unknown): HostMessage | undefined {
  try {
    const type = (fields(value, ['type'], ['ch', 'data', 'id', 'update', 'updates', 'error', 'selfAddr', 'selfName']))?.type
    switch (type) {
      case 'hello': {
        const m = fields(value, ['type', 'selfAddr', 'selfName'])
        return m !== undefined && typeof m.selfAddr === 'string' && typeof m.selfName === 'string' ? { type, selfAddr: m.selfAddr, selfName: m.selfName } : undefined
      }
      case 'data': {
        const m = fields(value, ['type', 'ch', 'data'])
        return m !== undefined && isCounter(m.ch) && arrayBufferLength(m.data) !== undefined ? { type, ch: m.ch, data: m.data as ArrayBuffer } : undefined
      }
      case 'update': {
        const m = fields(value, ['type', 'id', 'update'])
        return m !== undefined && isCounter(m.id) && isReceivedUpdate(m.update) ? { type, id: m.id, update: m.update } : undefined
      }
      case 'ready': {
        const m = fields(value, ['type', 'id'])
        return m !== undefined && isCounter(m.id) ? { type, id: m.id } : undefined
      }
      case 'all': {
        const m = fields(value, ['type', 'id', 'updates'])
        return m !== undefined && isCounter(m.id) && Array.isArray(m.updates) && m.updates.every(isReceivedUpdate)
          ? { type, id: m.id, updates: m.updates }
          : undefined
      }
      case 'result': {
        const m = fields(value, ['type', 'id'], ['error'])
        if (m === undefined || !isCounter(m.id)) return undefined
        if (m.error === undefined) return { type, id: m.id }
        return typeof m.error === 'string' ? { type, id: m.id, error: m.error } : undefined
      }
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}
