/**
 * Errors of the test kit, matched by `name` (or `instanceof`).
 */

/** A condition polled by `waitFor`/`waitForValue` did not hold in time. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError'
  /** What was awaited, as the caller described it. */
  readonly what: string
  /** The last value read (for `waitFor`, the condition's last result). */
  readonly last: unknown

  constructor (what: string, timeoutMs: number, last: unknown) {
    const shown = typeof last === 'boolean' ? '' : `; last value ${JSON.stringify(last)}`
    super(`timed out after ${timeoutMs} ms waiting for ${what}${shown}`)
    this.what = what
    this.last = last
  }
}
