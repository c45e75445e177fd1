/**
 * Token buckets, and the budgets of the peers frames arrive from (PROTOCOL.md,
 * "Receiving"). Pure: the clock is an argument.
 */

/**
 * The peer a frame arrived from (gossipsub's propagation source, not its
 * author): budgets are kept per source.
 */
export interface FrameSource {
  /** Opaque and stable per peer (the adapter uses the peer id). */
  id: string
  /** True if the peer is a relay: it forwards many members, and gets a larger budget. */
  relay: boolean
}

/** `rate` tokens per second, at most `burst` at once. */
export interface Rate {
  rate: number
  burst: number
}

/** A token bucket whose rate and burst are given at each use (they may change). */
export class TokenBucket {
  private tokens: number
  private updated: number

  constructor (initial: number, now: number) {
    this.tokens = initial
    this.updated = now
  }

  /** Tokens available at `now`. */
  level (limit: Rate, now: number): number {
    return Math.min(limit.burst, this.tokens + (Math.max(0, now - this.updated) / 1_000) * limit.rate)
  }

  /** True if `amount` tokens are available at `now`. */
  has (limit: Rate, amount: number, now: number): boolean {
    return this.level(limit, now) >= amount
  }

  /** Adds `amount` tokens (capped by the burst when next read). */
  add (amount: number): void {
    this.tokens += Math.max(0, amount)
  }

  /** Takes `amount` tokens (the level may go negative: a debt repaid by refills). */
  take (limit: Rate, amount: number, now: number): void {
    this.tokens = this.level(limit, now) - amount
    this.updated = Math.max(now, this.updated)
  }
}

/** What one forwarding peer may cost a channel. */
export interface SourceLimits {
  /** Frames per second, and in a burst. */
  frames: Rate
  /** Frame bytes per second, and in a burst. */
  bytes: Rate
  /** Sender ids not seen before, per second and in a burst. */
  newSenders: Rate
}


interface SourceState {
  /** Whether the peer was a relay when last seen: which limits apply. */
  relay: boolean
  /** The relay top-up was given (at most once per entry). */
  toppedUp: boolean
  frames: TokenBucket
  bytes: TokenBucket
  newSenders: TokenBucket
}

/** Why a source's frame is refused. */
export type SourceVerdict = 'sourceFlood' | 'sourceBytes'

/** Budgets per forwarding peer of one channel, bounded in number. */
export class SourceBudgets {
  private readonly member: SourceLimits
  private readonly relay: SourceLimits
  private readonly maxSources: number
  /** Insertion order is recency order. */
  private readonly sources = new Map<string, SourceState>()

  constructor (member: SourceLimits, relay: SourceLimits, maxSources: number) {
    this.member = member
    this.relay = relay
    this.maxSources = maxSources
  }

  private limits (source: FrameSource): SourceLimits {
    return source.relay ? this.relay : this.member
  }

  private state (source: FrameSource, now: number): SourceState {
    let state = this.sources.get(source.id)
    if (state === undefined) {
      const limits = this.limits(source)
      state = {
        relay: source.relay,
        toppedUp: source.relay,
        frames: new TokenBucket(limits.frames.burst, now),
        bytes: new TokenBucket(limits.bytes.burst, now),
        newSenders: new TokenBucket(limits.newSenders.burst, now)
      }
    } else {
      this.sources.delete(source.id)
      if (source.relay && !state.relay && !state.toppedUp) {
        // known as a relay only now (identify came after its first frames): top up to its
        // burst, once, so that a peer flipping its relay status cannot farm tokens
        state.toppedUp = true
        state.frames.add(this.relay.frames.burst - this.member.frames.burst)
        state.bytes.add(this.relay.bytes.burst - this.member.bytes.burst)
        state.newSenders.add(this.relay.newSenders.burst - this.member.newSenders.burst)
      }
      state.relay = source.relay
    }
    this.evict(now)
    this.sources.set(source.id, state)
    return state
  }

  /**
   * Charges a frame of `size` bytes to its source, or says why the source is
   * over its budget (then nothing is charged).
   */
  charge (source: FrameSource, size: number, now: number): SourceVerdict | undefined {
    const limits = this.limits(source)
    const state = this.state(source, now)
    if (!state.frames.has(limits.frames, 1, now)) return 'sourceFlood'
    if (!state.bytes.has(limits.bytes, size, now)) return 'sourceBytes'
    state.frames.take(limits.frames, 1, now)
    state.bytes.take(limits.bytes, size, now)
    return undefined
  }

  /** True if the source may introduce a sender id not seen before. */
  hasNewSender (source: FrameSource, now: number): boolean {
    return this.state(source, now).newSenders.has(this.limits(source).newSenders, 1, now)
  }

  /** Charges the source for a sender id not seen before. */
  takeNewSender (source: FrameSource, now: number): void {
    this.state(source, now).newSenders.take(this.limits(source).newSenders, 1, now)
  }

  /** Number of sources tracked (for tests). */
  get size (): number {
    return this.sources.size
  }

  /**
   * Makes room for one more source: forgets sources whose buckets are full
   * again (nothing is lost: a new entry starts full) and, at the cap, the
   * least recently seen.
   */
  private evict (now: number): void {
    for (const [id, state] of this.sources) {
      if (!this.isFull(state, now) && this.sources.size < this.maxSources) return
      this.sources.delete(id)
    }
  }

  private isFull (state: SourceState, now: number): boolean {
    const limits = state.relay ? this.relay : this.member
    return state.frames.level(limits.frames, now) >= limits.frames.burst &&
      state.bytes.level(limits.bytes, now) >= limits.bytes.burst &&
      state.newSenders.level(limits.newSenders, now) >= limits.newSenders.burst
  }
}
