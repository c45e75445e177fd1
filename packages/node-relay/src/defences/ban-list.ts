/**
 * A bounded table of temporary bans: pure, the clock is an argument. Every
 * ban lasts the same time, so insertion order is expiry order: expired bans
 * are dropped from the front, and when the table is full the ban closest to
 * its end makes room (an attacker who earns bans faster than they expire
 * shortens old bans, but never grows the table).
 */
export class BanList {
  private readonly until = new Map<string, number>()
  private readonly max: number
  private readonly durationMs: number

  constructor (max: number, durationMs: number) {
    this.max = max
    this.durationMs = durationMs
  }

  /** Bans `key` from `now` for the ban period (again from now if it was banned already). */
  add (key: string, now: number): void {
    this.sweep(now)
    this.until.delete(key)
    while (this.until.size >= this.max) {
      const oldest = this.until.keys().next()
      if (oldest.done === true) break
      this.until.delete(oldest.value)
    }
    this.until.set(key, now + this.durationMs)
  }

  has (key: string, now: number): boolean {
    const until = this.until.get(key)
    if (until === undefined) return false
    if (now < until) return true
    this.until.delete(key)
    return false
  }

  /** Bans in force (after dropping the expired ones), by key prefix (`peer:`, `addr:`). */
  count (now: number, prefix = ''): number {
    this.sweep(now)
    if (prefix === '') return this.until.size
    let n = 0
    for (const key of this.until.keys()) if (key.startsWith(prefix)) n++
    return n
  }

  private sweep (now: number): void {
    for (const [key, until] of this.until) {
      if (now < until) return
      this.until.delete(key)
    }
  }
}
