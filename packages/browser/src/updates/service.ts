/**
 * What carries a webxdc app's status updates (`sendUpdate`,
 * `setUpdateListener`, `getAllUpdates`) for one chat-and-app pair: the
 * contract between the update log kept by a host or a standalone page and
 * the code that serves an app (the bridge's host side, `webxdc.js`).
 */
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'

/** Largest serialized update accepted (`webxdc.sendUpdateMaxSize`). */
export const SEND_UPDATE_MAX_SIZE = 100_000
/** `webxdc.sendUpdateInterval`: updates are sent at once, none are batched. */
export const SEND_UPDATE_INTERVAL_MS = 1_000

export interface UpdateService {
  /**
   * Records an update of this instance and sends it to the other open
   * instances; throws `TypeError` (not serializable) or `RangeError` (larger
   * than `SEND_UPDATE_MAX_SIZE`) synchronously.
   */
  send: (update: SendingStatusUpdate<unknown>) => void
  /**
   * Calls `listener` with every known update whose serial is above `since`
   * (in serial order), then with each new one as it comes; resolves the
   * returned promise once the known ones were handed over. Returns the
   * function that stops listening.
   */
  listen: (since: number, listener: (update: ReceivedStatusUpdate<unknown>) => void) => { ready: Promise<void>, stop: () => void }
  /** Every known update, in serial order. */
  all: () => Array<ReceivedStatusUpdate<unknown>>
}
