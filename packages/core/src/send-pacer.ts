/**
 * Paces a sender to what receivers accept of it (PROTOCOL.md, "Receiving"):
 * receivers give a sender id they do not know a small first burst and then
 * the sender rate, and ignore (and do not forward) frames beyond that, so an
 * honest app that sends a burst right after joining would lose most of it.
 * Frames beyond the budget wait here, in order, and leave as it refills.
 * Pure: the clock is an argument; the channel owns the timer.
 */
import { TokenBucket } from './budget.ts'
import type { Rate } from './budget.ts'

export class SendPacer<T> {
  private readonly limit: Rate
  private readonly maxQueued: number
  private readonly bucket: TokenBucket
  private readonly queue: T[] = []

  /** `limit` and `initial` should stay below the receivers' (margin for network jitter). */
  constructor (limit: Rate, initial: number, maxQueued: number, now: number) {
    this.limit = limit
    this.maxQueued = maxQueued
    this.bucket = new TokenBucket(initial, now)
  }

  /** True (and a token is taken) if a frame may leave at once: nothing waits and the budget allows. */
  take (now: number): boolean {
    if (this.limit.rate <= 0) return true // no pacing: receivers refill nothing either
    if (this.queue.length > 0 || !this.bucket.has(this.limit, 1, now)) return false
    this.bucket.take(this.limit, 1, now)
    return true
  }

  /** Queues an item; false if the queue is full (the item is dropped). */
  enqueue (item: T): boolean {
    if (this.queue.length >= this.maxQueued) return false
    this.queue.push(item)
    return true
  }

  /** The queued items whose turn has come, in order. */
  release (now: number): T[] {
    const out: T[] = []
    while (this.queue.length > 0 && this.bucket.has(this.limit, 1, now)) {
      this.bucket.take(this.limit, 1, now)
      out.push(this.queue.shift() as T)
    }
    return out
  }

  /** When the next queued item may leave, or undefined if none waits. */
  nextAt (now: number): number | undefined {
    if (this.queue.length === 0) return undefined
    const missing = Math.max(0, 1 - this.bucket.level(this.limit, now))
    return now + Math.ceil((missing / this.limit.rate) * 1_000)
  }

  get queued (): number {
    return this.queue.length
  }

  /** Drops everything queued. */
  clear (): void {
    this.queue.length = 0
  }
}
