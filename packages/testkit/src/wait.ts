/**
 * Waiting: for a time, for a condition, for a value. The one polling loop of
 * the tests.
 */
import { WaitTimeoutError } from './errors.ts'

/** How often conditions are polled unless the caller says otherwise (ms): short, as the tests wait for loopback traffic. */
export const POLL_INTERVAL_MS = 20

/** How long a condition may take unless the caller says otherwise (ms): ample for loopback, short enough to fail a test quickly. */
export const WAIT_TIMEOUT_MS = 10_000

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Reads `read()` every `intervalMs` until `ok` accepts the value, and
 * resolves with that value; rejects with a {@link WaitTimeoutError} naming
 * `what` and the last value after `timeoutMs`.
 *
 * @example
 * ```ts
 * const carried = await waitForValue('the relay to carry 64 channels', async () => await readMetric(port, 'rtmesh_relay_channels'), (n) => n >= 64)
 * ```
 */
export async function waitForValue<T> (
  what: string,
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = WAIT_TIMEOUT_MS,
  intervalMs = POLL_INTERVAL_MS
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, value)
    await sleep(intervalMs)
  }
}

/**
 * Polls `condition` (sync or async) every `intervalMs` until it holds;
 * rejects with a {@link WaitTimeoutError} naming `what` after `timeoutMs`.
 *
 * @example
 * ```ts
 * await waitFor('b to receive 10 messages', () => received.length === 10)
 * ```
 */
export async function waitFor (
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = WAIT_TIMEOUT_MS,
  intervalMs = POLL_INTERVAL_MS
): Promise<void> {
  await waitForValue(what, condition, (holds) => holds, timeoutMs, intervalMs)
}
