/**
 * What carries a webxdc app's status updates (`sendUpdate`,
 * `setUpdateListener`, `getAllUpdates`) for one chat-and-app pair: the
 * contract between the update log kept by a host or a standalone page and
 * the code that serves an app (the bridge's host side, `webxdc.js`).
 *
 * Implementations here: `UpdateStore` (`store.ts`: the log of one page,
 * shared with nobody) and `MeshUpdates` (`mesh.ts`: shared among the open
 * instances of the pair over the mesh, `PROTOCOL.md`).
 */
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'

/**
 * Largest serialized update accepted, in UTF-8 bytes of its JSON
 * (`webxdc.sendUpdateMaxSize`): an update message of the mesh (the update
 * and 74 bytes of framing) then always fits the 128 000-byte realtime limit.
 */
export const SEND_UPDATE_MAX_SIZE = 100_000
/**
 * `webxdc.sendUpdateInterval`, advisory: updates are sent at once and none
 * are held back; apps that send faster than once a second should batch,
 * as webxdc asks.
 */
export const SEND_UPDATE_INTERVAL_MS = 1_000

export interface UpdateService {
  /**
   * Records an update of this instance and sends it to the other open
   * instances; throws `TypeError` (not serializable, or not an update: no
   * `payload`, a field of the wrong type) or `RangeError` (larger than
   * `SEND_UPDATE_MAX_SIZE`) synchronously, and then records nothing. The
   * update is copied: later changes to the object do not reach the log.
   */
  send: (update: SendingStatusUpdate<unknown>) => void
  /**
   * Calls `listener` with every known update whose serial is above `since`
   * (in serial order), then with each new one as it comes (own updates
   * included), never from inside `send` or `listen`; resolves `ready` once
   * the known ones were handed over. `stop` ends the listening.
   */
  listen: (since: number, listener: (update: ReceivedStatusUpdate<unknown>) => void) => { ready: Promise<void>, stop: () => void }
  /** Every known update, in serial order. */
  all: () => Array<ReceivedStatusUpdate<unknown>>
}
