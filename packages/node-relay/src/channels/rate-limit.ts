/**
 * Token buckets per peer: pure, the clock is an argument.
 */

export class TokenBucket {
  private tokens: number
  private updated: number
  private readonly rate: number
  private readonly burst: number

  /** `rate` tokens per second on average, at most `burst` at once. */
  constructor (rate: number, burst: number, now: number) {
    this.rate = rate
    this.burst = burst
    this.tokens = burst
    this.updated = now
  }

  /** Takes `cost` tokens if there are that many. */
  take (now: number, cost = 1): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1_000) * this.rate)
    this.updated = now
    if (this.tokens < cost) return false
    this.tokens -= cost
    return true
  }

  /** Gives back `cost` tokens taken for something that did not happen. */
  refund (cost: number): void {
    this.tokens = Math.min(this.burst, this.tokens + cost)
  }
}

export interface PeerLimits {
  /** Frames per second on average, and in a burst. */
  rate: number
  burst: number
  /** Bytes per second on average, and in a burst (a 128 000-byte frame costs a thousand tiny ones). */
  byteRate: number
  byteBurst: number
  /** Frames dropped within one 10 s window that make the peer a flooder. */
  floodDrops: number
}

interface Entry { frames: TokenBucket, bytes: TokenBucket, dropped: number, windowStart: number }

/** Per-peer limiter: how many frames and bytes a peer may send, and when it is a flood. Entries live while the peer is connected. */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, Entry>()
  private readonly limits: PeerLimits

  constructor (limits: PeerLimits) {
    this.limits = limits
  }

  /** 'ok' to forward, 'throttle' to drop this frame, 'flood' to drop and disconnect the peer. */
  check (peer: string, now: number, bytes: number): 'ok' | 'throttle' | 'flood' {
    const { rate, burst, byteRate, byteBurst, floodDrops } = this.limits
    let entry = this.buckets.get(peer)
    if (entry === undefined) {
      entry = { frames: new TokenBucket(rate, burst, now), bytes: new TokenBucket(byteRate, byteBurst, now), dropped: 0, windowStart: now }
      this.buckets.set(peer, entry)
    }
    // both budgets must allow the frame; a refused frame costs neither
    if (entry.frames.take(now)) {
      if (entry.bytes.take(now, bytes)) return 'ok'
      entry.frames.refund(1)
    }
    if (now - entry.windowStart > 10_000) {
      entry.windowStart = now
      entry.dropped = 0
    }
    entry.dropped++
    return entry.dropped >= floodDrops ? 'flood' : 'throttle'
  }

  forget (peer: string): void {
    this.buckets.delete(peer)
  }
}
