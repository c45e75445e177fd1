/**
 * Per-sender ordering, duplicate and replay protection for one channel
 * (PROTOCOL.md, "Receiving"). Pure: the clock is an argument, nothing here
 * sets timers; the caller asks `nextDeadline()` when to call `flush()`.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_REORDER_TIMEOUT_MS, DEFAULT_SENDER_BURST, DEFAULT_SENDER_RATE,
  MAX_BUFFERED_PER_SENDER, MAX_SENDERS_PER_CHANNEL
} from './constants.ts'

export interface InboundOptions {
  reorderTimeoutMs?: number
  /** Frames per second one sender may have accepted on average (default 100). */
  senderRate?: number
  /** Frames one sender may have accepted in a burst (default 500). */
  senderBurst?: number
  maxClockSkewMs?: number
  maxSenders?: number
  maxBufferedPerSender?: number
}

/** What the receiver makes of a frame's (sender, counter, timestamp). */
export type Verdict = 'accept' | 'replay' | 'stale' | 'flood'

interface SenderState<T> {
  /** Next counter to deliver. */
  next: number
  /** Frames ahead of `next`, by counter. */
  buffered: Map<number, T>
  /** When the oldest still-open gap appeared (receiver clock). */
  gapSince: number | undefined
  lastSeen: number
  /** Rate budget: tokens left at `lastSeen`. */
  tokens: number
}

/** Orders items (frames) of type `T` per sender. */
export class InboundOrderer<T> {
  private readonly reorderTimeoutMs: number
  private readonly maxClockSkewMs: number
  private readonly maxSenders: number
  private readonly maxBuffered: number
  private readonly senderRate: number
  private readonly senderBurst: number
  /** Insertion order is recency order: a sender is re-inserted when seen. */
  private readonly senders = new Map<string, SenderState<T>>()

  constructor (options: InboundOptions = {}) {
    this.reorderTimeoutMs = options.reorderTimeoutMs ?? DEFAULT_REORDER_TIMEOUT_MS
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS
    this.maxSenders = options.maxSenders ?? MAX_SENDERS_PER_CHANNEL
    this.maxBuffered = options.maxBufferedPerSender ?? MAX_BUFFERED_PER_SENDER
    this.senderRate = options.senderRate ?? DEFAULT_SENDER_RATE
    this.senderBurst = options.senderBurst ?? DEFAULT_SENDER_BURST
  }

  private tokens (state: SenderState<T>, now: number): number {
    return Math.min(this.senderBurst, state.tokens + (Math.max(0, now - state.lastSeen) / 1_000) * this.senderRate)
  }

  /** Judges a frame without changing any state (used by the gossipsub validator). */
  classify (senderId: Uint8Array, counter: number, timestamp: number, now: number): Verdict {
    const state = this.senders.get(bytesToHex(senderId))
    if (state === undefined) {
      // A sender we do not know: only fresh frames may start a sequence, so a
      // frame captured earlier cannot be replayed to us once its sender is forgotten.
      return Math.abs(now - timestamp) > this.maxClockSkewMs ? 'stale' : 'accept'
    }
    if (counter < state.next || state.buffered.has(counter)) return 'replay'
    if (this.tokens(state, now) < 1) return 'flood'
    return 'accept'
  }

  /**
   * Takes an authenticated frame and returns the items that are now
   * deliverable, in sender order (possibly none, possibly several).
   */
  push (senderId: Uint8Array, counter: number, timestamp: number, item: T, now: number): T[] {
    if (this.classify(senderId, counter, timestamp, now) !== 'accept') return []
    const id = bytesToHex(senderId)
    let state = this.senders.get(id)
    if (state === undefined) {
      // The first frame we see from a sender sets its baseline: anything
      // earlier was sent before we could have been a member.
      state = { next: counter, buffered: new Map(), gapSince: undefined, lastSeen: now, tokens: this.senderBurst }
    }
    state.tokens = this.tokens(state, now) - 1
    this.senders.delete(id)
    this.senders.set(id, state)
    state.lastSeen = now
    this.evict(now)

    if (counter !== state.next) {
      state.buffered.set(counter, item)
      state.gapSince ??= now
      if (state.buffered.size > this.maxBuffered) return this.skipGap(state, now)
      return []
    }
    const out = [item]
    state.next = counter + 1
    this.drain(state, out)
    state.gapSince = state.buffered.size > 0 ? now : undefined
    return out
  }

  /** Delivers frames held back by gaps older than the reorder timeout. */
  flush (now: number): T[] {
    const out: T[] = []
    for (const state of this.senders.values()) {
      while (state.gapSince !== undefined && now - state.gapSince >= this.reorderTimeoutMs) {
        out.push(...this.skipGap(state, now))
      }
    }
    this.evict(now)
    return out
  }

  /** When `flush` next has something to do, or undefined if nothing is held back. */
  nextDeadline (): number | undefined {
    let deadline: number | undefined
    for (const state of this.senders.values()) {
      if (state.gapSince === undefined) continue
      const due = state.gapSince + this.reorderTimeoutMs
      if (deadline === undefined || due < deadline) deadline = due
    }
    return deadline
  }

  /** Number of senders tracked (for stats and tests). */
  get senderCount (): number {
    return this.senders.size
  }

  private skipGap (state: SenderState<T>, now: number): T[] {
    let lowest = Infinity
    for (const counter of state.buffered.keys()) if (counter < lowest) lowest = counter
    if (lowest === Infinity) {
      state.gapSince = undefined
      return []
    }
    state.next = lowest
    const out: T[] = []
    this.drain(state, out)
    state.gapSince = state.buffered.size > 0 ? now : undefined
    return out
  }

  private drain (state: SenderState<T>, out: T[]): void {
    for (;;) {
      const item = state.buffered.get(state.next)
      if (item === undefined) return
      state.buffered.delete(state.next)
      out.push(item)
      state.next++
    }
  }

  /**
   * Forgets senders idle for twice the clock-skew window (after that their
   * old frames are refused as stale anyway) and, past the cap, the least
   * recently seen ones.
   */
  private evict (now: number): void {
    const idleLimit = 2 * this.maxClockSkewMs
    for (const [id, state] of this.senders) {
      const idle = now - state.lastSeen > idleLimit && state.buffered.size === 0
      if (!idle && this.senders.size <= this.maxSenders) break
      this.senders.delete(id)
    }
  }
}
