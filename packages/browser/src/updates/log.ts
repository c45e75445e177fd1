/**
 * The update log of one chat-and-app pair, as one instance knows it: pure
 * (no I/O, no clock). Serials are assigned here, in arrival order, from 1;
 * an update is known by its id and is added once. Bounded: beyond
 * `maxUpdates` updates or `maxBytes` serialized bytes the oldest are
 * forgotten (serials are never reused), and their ids are remembered (up to
 * `maxForgotten`) so that they are not added again.
 */
import type { ReceivedStatusUpdate } from '@webxdc/types'
import { InvalidOptionError } from '@rtmesh/core/portable'
import { SEND_UPDATE_MAX_SIZE } from './service.ts'
import { MAX_FORGOTTEN_IDS, MAX_LOG_BYTES, MAX_LOG_UPDATES } from './constants.ts'

/** One update in the log. */
export interface LogEntry {
  /** Random id given by the instance that sent it (see `wire.ts`). */
  readonly id: string
  /** Local serial: 1 for the first update this instance learned, then +1 each. */
  readonly serial: number
  /** The update, normalized and serialized (`wire.ts`). */
  readonly json: string
  /** UTF-8 bytes of `json`. */
  readonly size: number
}

/** Bounds of a log; every field optional. */
export interface LogLimits {
  /** Updates kept. Default {@link MAX_LOG_UPDATES}. */
  maxUpdates?: number
  /** Serialized bytes kept, at least `SEND_UPDATE_MAX_SIZE`. Default {@link MAX_LOG_BYTES}. */
  maxBytes?: number
  /** Ids of forgotten updates remembered. Default {@link MAX_FORGOTTEN_IDS}. */
  maxForgotten?: number
}

function limit (name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(name, `must be an integer of at least ${min}`)
  }
  return value
}

/** The update as an app receives it: a fresh object each time. */
export function receivedUpdate (entry: LogEntry, maxSerial: number): ReceivedStatusUpdate<unknown> {
  const update = JSON.parse(entry.json) as ReceivedStatusUpdate<unknown>
  update.serial = entry.serial
  update.max_serial = maxSerial
  return update
}

export class UpdateLog {
  private readonly maxUpdates: number
  private readonly maxBytes: number
  private readonly maxForgotten: number
  /** Entries in serial order from index `head` on; `entries[head + i]` has serial `first + i`. */
  private entries: LogEntry[] = []
  private head = 0
  private first = 1
  private next = 1
  private total = 0
  private readonly ids = new Set<string>()
  /** Forgotten ids, oldest first (a Set keeps insertion order). */
  private readonly forgotten = new Set<string>()

  constructor (limits: LogLimits = {}) {
    this.maxUpdates = limit('maxUpdates', limits.maxUpdates, MAX_LOG_UPDATES, 1)
    this.maxBytes = limit('maxBytes', limits.maxBytes, MAX_LOG_BYTES, SEND_UPDATE_MAX_SIZE)
    this.maxForgotten = limit('maxForgotten', limits.maxForgotten, MAX_FORGOTTEN_IDS, 0)
  }

  /** The highest serial given so far (0 before the first update). */
  get maxSerial (): number {
    return this.next - 1
  }

  /** Updates kept. */
  get count (): number {
    return this.entries.length - this.head
  }

  /** Serialized bytes kept. */
  get bytes (): number {
    return this.total
  }

  /** True if the update is in the log. */
  has (id: string): boolean {
    return this.ids.has(id)
  }

  /** True if the update is in the log or was forgotten (and is remembered as such). */
  knows (id: string): boolean {
    return this.ids.has(id) || this.forgotten.has(id)
  }

  /**
   * Adds an update (already checked, see `wire.ts`) and returns its entry, or
   * `undefined` if the id is known. May forget the oldest updates.
   */
  add (id: string, json: string, size: number): LogEntry | undefined {
    if (this.knows(id)) return undefined
    const entry: LogEntry = { id, serial: this.next++, json, size }
    this.entries.push(entry)
    this.ids.add(id)
    this.total += size
    this.evict()
    return entry
  }

  /** Entries with a serial above `serial`, in serial order. */
  after (serial: number): LogEntry[] {
    return this.entries.slice(this.head + Math.max(0, serial + 1 - this.first))
  }

  private evict (): void {
    // the newest entry always stays: its size is at most maxBytes
    while (this.count > 1 && (this.count > this.maxUpdates || this.total > this.maxBytes)) {
      const old = this.entries[this.head] as LogEntry
      this.head++
      this.first++
      this.total -= old.size
      this.ids.delete(old.id)
      this.forget(old.id)
    }
    // drop the forgotten entries' slots once they are half of the array (amortized O(1) per update)
    if (this.head > 0 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }

  private forget (id: string): void {
    if (this.maxForgotten === 0) return
    this.forgotten.add(id)
    if (this.forgotten.size > this.maxForgotten) {
      const oldest = this.forgotten.values().next().value
      if (oldest !== undefined) this.forgotten.delete(oldest)
    }
  }
}
