/**
 * Channel frame budgets per peer (frames and bytes, with `@rtmesh/core`'s
 * token bucket): pure, the clock is an argument.
 */
import { TokenBucket } from '@rtmesh/core'
import type { Rate } from '@rtmesh/core'

export interface PeerLimits {
  /** Frames per second on average, and in a burst. */
  rate: number
  burst: number
  /** Bytes per second on average, and in a burst (a 128 000-byte frame costs a thousand tiny ones). */
  byteRate: number
  byteBurst: number
  /** Frames dropped within one 10 s window (`FLOOD_WINDOW_MS`) that make the peer a flooder. */
  floodDrops: number
}

interface Entry { frames: TokenBucket, bytes: TokenBucket, dropped: number, windowStart: number }

/** A window of this long in which `floodDrops` dropped frames make a flood. */
const FLOOD_WINDOW_MS = 10_000

/** Per-peer limiter: how many frames and bytes a peer may send, and when it is a flood. Entries live while the peer is connected. */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, Entry>()
  private readonly limits: PeerLimits
  private readonly rates: { frames: Rate, bytes: Rate }

  constructor (limits: PeerLimits) {
    this.limits = limits
    this.rates = {
      frames: { rate: limits.rate, burst: limits.burst },
      bytes: { rate: limits.byteRate, burst: limits.byteBurst }
    }
  }

  /** 'ok' to forward, 'throttle' to drop this frame, 'flood' to drop and disconnect the peer. */
  check (peer: string, now: number, bytes: number): 'ok' | 'throttle' | 'flood' {
    const { frames, bytes: byteRate } = this.rates
    let entry = this.buckets.get(peer)
    if (entry === undefined) {
      entry = { frames: new TokenBucket(frames.burst, now), bytes: new TokenBucket(byteRate.burst, now), dropped: 0, windowStart: now }
      this.buckets.set(peer, entry)
    }
    // both budgets must allow the frame; a refused frame costs neither
    if (entry.frames.has(frames, 1, now) && entry.bytes.has(byteRate, bytes, now)) {
      entry.frames.take(frames, 1, now)
      entry.bytes.take(byteRate, bytes, now)
      return 'ok'
    }
    if (now - entry.windowStart > FLOOD_WINDOW_MS) {
      entry.windowStart = now
      entry.dropped = 0
    }
    entry.dropped++
    return entry.dropped >= this.limits.floodDrops ? 'flood' : 'throttle'
  }

  forget (peer: string): void {
    this.buckets.delete(peer)
  }
}
