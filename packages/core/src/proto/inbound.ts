/**
 * Per-sender ordering, duplicate and replay protection, and the budgets of
 * senders and forwarding peers, for one channel (PROTOCOL.md, "Receiving").
 * Pure: the clock is an argument, nothing here sets timers; the caller asks
 * `nextDeadline()` when to call `flush()`.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { SourceBudgets, TokenBucket } from './budget.ts'
import type { Rate, SourceLimits } from './budget.ts'
import {
  DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_REORDER_TIMEOUT_MS, DEFAULT_SENDER_BURST, DEFAULT_SENDER_RATE,
  MAX_BUFFERED_BYTES_PER_CHANNEL, MAX_BUFFERED_PER_CHANNEL, MAX_BUFFERED_PER_SENDER, MAX_SENDERS_PER_CHANNEL,
  MAX_SOURCES_PER_CHANNEL, NEW_SENDER_BURST, RELAY_SOURCE_FACTOR, SOURCE_BYTE_BURST, SOURCE_BYTE_RATE,
  SOURCE_FRAME_BURST, SOURCE_FRAME_RATE, SOURCE_NEW_SENDER_BURST, SOURCE_NEW_SENDER_RATE
} from './constants.ts'
import type { FrameSource } from './budget.ts'

export type { FrameSource } from './budget.ts'

/** Every field is optional; defaults in `constants.ts`. */
export interface InboundOptions {
  reorderTimeoutMs?: number
  /** Frames per second one sender may have accepted on average (default 100). */
  senderRate?: number
  /** Frames one sender may have accepted in a burst (default 500). */
  senderBurst?: number
  /** Frames a sender id not seen before may have accepted at once (default 20). */
  newSenderBurst?: number
  maxClockSkewMs?: number
  maxSenders?: number
  /** A new sender may take the place of one silent this long, when the table is full (default `maxClockSkewMs`). */
  displaceIdleMs?: number
  maxBufferedPerSender?: number
  maxBufferedPerChannel?: number
  maxBufferedBytesPerChannel?: number
  /** Budget of one forwarding peer that is not a relay. */
  source?: Partial<SourceLimits>
  /** A relay's budget is this many times a member peer's (default 10). */
  relayFactor?: number
  maxSources?: number
}

/** What the receiver makes of a frame. */
export type Verdict = 'accept' | 'replay' | 'stale' | 'flood' | 'sourceFlood' | 'sourceBytes' | 'newSenders' | 'tableFull'

/** The parts of an authenticated frame the receiver judges it by. */
export interface FrameMeta {
  senderId: Uint8Array
  counter: number
  timestamp: number
  /** Bytes of the frame on the wire. */
  size: number
}

interface Buffered<T> {
  item: T
  size: number
  /** When it arrived (receiver clock): it waits at most the reorder timeout from then. */
  at: number
}

interface SenderState<T> {
  /** Next counter to deliver. */
  next: number
  /** Frames ahead of `next`, by counter. */
  buffered: Map<number, Buffered<T>>
  /** When the oldest still-open gap appeared (receiver clock). */
  gapSince: number | undefined
  lastSeen: number
  /** Rate budget. */
  budget: TokenBucket
}

/** When the oldest frame waiting behind a gap arrived: the gap is that old. */
function oldestWaiting<T> (state: SenderState<T>): number | undefined {
  let oldest: number | undefined
  for (const entry of state.buffered.values()) if (oldest === undefined || entry.at < oldest) oldest = entry.at
  return oldest
}

function scaled (rate: Rate, factor: number): Rate {
  return { rate: rate.rate * factor, burst: rate.burst * factor }
}

/** Orders items (frames) of type `T` per sender. */
export class InboundOrderer<T> {
  private readonly reorderTimeoutMs: number
  private readonly maxClockSkewMs: number
  private readonly maxSenders: number
  private readonly displaceIdleMs: number
  private readonly maxBuffered: number
  private readonly maxBufferedChannel: number
  private readonly maxBufferedBytes: number
  private readonly sender: Rate
  private readonly newSenderBurst: number
  private readonly sources: SourceBudgets
  /** Insertion order is recency order: a sender is re-inserted when seen. */
  private readonly senders = new Map<string, SenderState<T>>()
  /** Senders with an open gap; insertion order is the order their gaps opened. */
  private readonly gaps = new Set<SenderState<T>>()
  private bufferedFrames = 0
  private bufferedBytes = 0
  /** Gaps skipped before their timeout because a buffer bound was reached. */
  private overflowCount = 0

  constructor (options: InboundOptions = {}) {
    this.reorderTimeoutMs = options.reorderTimeoutMs ?? DEFAULT_REORDER_TIMEOUT_MS
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS
    this.maxSenders = options.maxSenders ?? MAX_SENDERS_PER_CHANNEL
    this.displaceIdleMs = options.displaceIdleMs ?? this.maxClockSkewMs
    this.maxBuffered = options.maxBufferedPerSender ?? MAX_BUFFERED_PER_SENDER
    this.maxBufferedChannel = options.maxBufferedPerChannel ?? MAX_BUFFERED_PER_CHANNEL
    this.maxBufferedBytes = options.maxBufferedBytesPerChannel ?? MAX_BUFFERED_BYTES_PER_CHANNEL
    this.sender = { rate: options.senderRate ?? DEFAULT_SENDER_RATE, burst: options.senderBurst ?? DEFAULT_SENDER_BURST }
    this.newSenderBurst = Math.min(this.sender.burst, options.newSenderBurst ?? NEW_SENDER_BURST)
    const member: SourceLimits = {
      frames: options.source?.frames ?? { rate: SOURCE_FRAME_RATE, burst: SOURCE_FRAME_BURST },
      bytes: options.source?.bytes ?? { rate: SOURCE_BYTE_RATE, burst: SOURCE_BYTE_BURST },
      newSenders: options.source?.newSenders ?? { rate: SOURCE_NEW_SENDER_RATE, burst: SOURCE_NEW_SENDER_BURST }
    }
    const factor = options.relayFactor ?? RELAY_SOURCE_FACTOR
    const relay: SourceLimits = {
      frames: scaled(member.frames, factor), bytes: scaled(member.bytes, factor), newSenders: scaled(member.newSenders, factor)
    }
    this.sources = new SourceBudgets(member, relay, options.maxSources ?? MAX_SOURCES_PER_CHANNEL)
  }

  /**
   * Judges the sender side of a frame without changing any state: `stale`,
   * `replay`, `flood` or `accept` (budgets of forwarding peers and the
   * sender table are not consulted).
   */
  classify (senderId: Uint8Array, counter: number, timestamp: number, now: number): Verdict {
    const state = this.senders.get(bytesToHex(senderId))
    if (state === undefined) {
      // A sender we do not know: only fresh frames may start a sequence, so a
      // frame captured earlier cannot be replayed to us once its sender is forgotten.
      return Math.abs(now - timestamp) > this.maxClockSkewMs ? 'stale' : 'accept'
    }
    if (counter < state.next || state.buffered.has(counter)) return 'replay'
    if (!state.budget.has(this.sender, 1, now)) return 'flood'
    return 'accept'
  }

  /**
   * Judges an authenticated frame that `source` forwarded, before it is
   * delivered or forwarded on (the gossipsub validator), and charges it to
   * the source and the sender. A sender not seen before is admitted here.
   */
  admit (frame: FrameMeta, source: FrameSource, now: number): Verdict {
    // Every authenticated frame costs its source, whatever becomes of it.
    const sourceVerdict = this.sources.charge(source, frame.size, now)
    if (sourceVerdict !== undefined) return sourceVerdict
    const verdict = this.classify(frame.senderId, frame.counter, frame.timestamp, now)
    if (verdict !== 'accept') return verdict
    const id = bytesToHex(frame.senderId)
    let state = this.senders.get(id)
    if (state === undefined) {
      if (!this.sources.hasNewSender(source, now)) return 'newSenders'
      if (!this.makeRoom(now)) return 'tableFull'
      this.sources.takeNewSender(source, now)
      state = this.adopt(id, frame.counter, now)
    }
    state.budget.take(this.sender, 1, now)
    this.touch(id, state, now)
    return 'accept'
  }

  /**
   * Takes an admitted frame and returns the items that are now deliverable,
   * in sender order (possibly none, possibly several, possibly of other
   * senders whose gaps a full buffer made skip).
   */
  push (senderId: Uint8Array, counter: number, timestamp: number, item: T, now: number, size = 0): T[] {
    const id = bytesToHex(senderId)
    let state = this.senders.get(id)
    if (state === undefined) {
      // Not admitted (or forgotten since): the first frame sets the baseline.
      if (this.classify(senderId, counter, timestamp, now) !== 'accept' || !this.makeRoom(now)) return []
      state = this.adopt(id, counter, now)
      this.touch(id, state, now)
    }
    if (counter < state.next || state.buffered.has(counter)) return []

    if (counter !== state.next) {
      state.buffered.set(counter, { item, size, at: now })
      this.bufferedFrames++
      this.bufferedBytes += size
      if (state.gapSince === undefined) this.setGap(state, now)
      return this.relieve(state)
    }
    const out = [item]
    state.next = counter + 1
    this.drain(state, out)
    this.setGap(state, oldestWaiting(state))
    return out
  }

  /** Delivers frames held back by gaps older than the reorder timeout. */
  flush (now: number): T[] {
    const out: T[] = []
    for (const state of [...this.gaps]) {
      while (state.gapSince !== undefined && now - state.gapSince >= this.reorderTimeoutMs) {
        out.push(...this.skipGap(state))
      }
    }
    this.evict(now)
    return out
  }

  /** When `flush` next has something to do, or undefined if nothing is held back. */
  nextDeadline (): number | undefined {
    let deadline: number | undefined
    for (const state of this.gaps) {
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

  /** Frames buffered behind gaps, over all senders (for tests). */
  get bufferedCount (): number {
    return this.bufferedFrames
  }

  /** Gaps skipped before their timeout because a buffer bound was reached, so far. */
  get overflows (): number {
    return this.overflowCount
  }

  private adopt (id: string, counter: number, now: number): SenderState<T> {
    // The first frame we see from a sender sets its baseline: anything
    // earlier was sent before we could have been a member. A new id starts
    // with a small burst, so that fresh ids buy no fresh 500-frame bursts.
    const state: SenderState<T> = {
      next: counter, buffered: new Map(), gapSince: undefined, lastSeen: now, budget: new TokenBucket(this.newSenderBurst, now)
    }
    this.senders.set(id, state)
    return state
  }

  private touch (id: string, state: SenderState<T>, now: number): void {
    this.senders.delete(id)
    this.senders.set(id, state)
    state.lastSeen = Math.max(state.lastSeen, now)
    this.evict(now)
  }

  /**
   * Makes room for a new sender, if it fits: below the cap, or by taking the place of the
   * least recently seen sender if that one has been silent for
   * `displaceIdleMs` (an active sender is never displaced: forgetting it
   * would let its recent frames be accepted again).
   */
  private makeRoom (now: number): boolean {
    this.evict(now)
    if (this.senders.size < this.maxSenders) return true
    const oldest = this.senders.entries().next().value
    if (oldest === undefined) return false
    const [id, state] = oldest
    if (now - state.lastSeen < this.displaceIdleMs || state.buffered.size > 0) return false
    this.senders.delete(id)
    return true
  }

  private setGap (state: SenderState<T>, since: number | undefined): void {
    state.gapSince = since
    this.gaps.delete(state)
    if (since !== undefined) this.gaps.add(state)
  }

  /** Enforces the buffer bounds of the sender and of the channel. */
  private relieve (state: SenderState<T>): T[] {
    const out: T[] = []
    if (state.buffered.size > this.maxBuffered) {
      this.overflowCount++
      out.push(...this.skipGap(state))
    }
    while (this.bufferedFrames > this.maxBufferedChannel || this.bufferedBytes > this.maxBufferedBytes) {
      // the oldest gap of the channel goes first, as if its timeout had passed
      const oldest = this.gaps.values().next().value
      if (oldest === undefined) break
      this.overflowCount++
      out.push(...this.skipGap(oldest))
    }
    return out
  }

  private skipGap (state: SenderState<T>): T[] {
    let lowest = Infinity
    for (const counter of state.buffered.keys()) if (counter < lowest) lowest = counter
    if (lowest === Infinity) {
      this.setGap(state, undefined)
      return []
    }
    state.next = lowest
    const out: T[] = []
    this.drain(state, out)
    this.setGap(state, oldestWaiting(state))
    return out
  }

  private drain (state: SenderState<T>, out: T[]): void {
    for (;;) {
      const entry = state.buffered.get(state.next)
      if (entry === undefined) return
      state.buffered.delete(state.next)
      this.bufferedFrames--
      this.bufferedBytes -= entry.size
      out.push(entry.item)
      state.next++
    }
  }

  /**
   * Forgets senders idle for twice the clock-skew window (after that their
   * old frames are refused as stale even if their clock ran ahead by the
   * whole window).
   */
  private evict (now: number): void {
    const idleLimit = 2 * this.maxClockSkewMs
    for (const [id, state] of this.senders) {
      if (now - state.lastSeen <= idleLimit || state.buffered.size > 0) return
      this.senders.delete(id)
    }
  }
}
