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

  /** Takes one token if there is one. */
  take (now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1_000) * this.rate)
    this.updated = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** Per-peer limiter: how many frames a peer may send, and when it is a flood. */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket, dropped: number, windowStart: number }>()
  private readonly rate: number
  private readonly burst: number
  private readonly floodDrops: number

  constructor (rate: number, burst: number, floodDrops: number) {
    this.rate = rate
    this.burst = burst
    this.floodDrops = floodDrops
  }

  /** 'ok' to forward, 'throttle' to drop this frame, 'flood' to drop and disconnect the peer. */
  check (peer: string, now: number): 'ok' | 'throttle' | 'flood' {
    let entry = this.buckets.get(peer)
    if (entry === undefined) {
      entry = { bucket: new TokenBucket(this.rate, this.burst, now), dropped: 0, windowStart: now }
      this.buckets.set(peer, entry)
    }
    if (entry.bucket.take(now)) return 'ok'
    if (now - entry.windowStart > 10_000) {
      entry.windowStart = now
      entry.dropped = 0
    }
    entry.dropped++
    return entry.dropped >= this.floodDrops ? 'flood' : 'throttle'
  }

  forget (peer: string): void {
    this.buckets.delete(peer)
  }
}
