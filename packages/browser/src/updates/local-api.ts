/**
 * The webxdc update API (`sendUpdate`, `setUpdateListener`, `getAllUpdates`,
 * `sendUpdateInterval`, `sendUpdateMaxSize`) over an `UpdateService`, for a
 * page: the argument rules of webxdc in one place, whatever carries the
 * updates. Methods are plain closures, so the object can be spread onto
 * `window.webxdc`.
 */
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'
import { SEND_UPDATE_INTERVAL_MS, SEND_UPDATE_MAX_SIZE } from './service.ts'
import type { UpdateService } from './service.ts'

/** The update members of webxdc's `Webxdc` interface (`@webxdc/types`). */
export interface WebxdcUpdateApi {
  /** Advisory: how long an app should wait between updates (`SEND_UPDATE_INTERVAL_MS`). */
  sendUpdateInterval: number
  /** Largest serialized update `sendUpdate` accepts, in bytes (`SEND_UPDATE_MAX_SIZE`). */
  sendUpdateMaxSize: number
  /** Records and shares an update; `description` is deprecated and ignored. */
  sendUpdate: (update: SendingStatusUpdate<unknown>, description?: string) => void
  /** Replaces the update listener; `serial` is the last one the app knows (default 0). */
  setUpdateListener: (listener: (update: ReceivedStatusUpdate<unknown>) => void, serial?: number) => Promise<void>
  /** Every known update (deprecated in webxdc in favour of `setUpdateListener`). */
  getAllUpdates: () => Promise<Array<ReceivedStatusUpdate<unknown>>>
}

/**
 * Builds the update methods. Wrong arguments throw synchronously
 * (`TypeError`; `sendUpdate` also `RangeError` for an update larger than
 * `sendUpdateMaxSize`). `setUpdateListener` replaces the
 * previous listener, as in webxdc; its `serial` (default 0) is the last
 * serial the app knows, and it resolves once the updates known at the call
 * were handed to the listener.
 */
export function webxdcUpdateApi (service: UpdateService): WebxdcUpdateApi {
  let current: { stop: () => void } | undefined
  return {
    sendUpdateInterval: SEND_UPDATE_INTERVAL_MS,
    sendUpdateMaxSize: SEND_UPDATE_MAX_SIZE,
    sendUpdate: (update: SendingStatusUpdate<unknown>) => {
      // the second argument (description) is deprecated and ignored, as in webxdc
      service.send(update)
    },
    setUpdateListener: (listener: (update: ReceivedStatusUpdate<unknown>) => void, serial: number = 0) => {
      if (typeof listener !== 'function') throw new TypeError('setUpdateListener expects a function')
      if (typeof serial !== 'number' || !Number.isInteger(serial) || serial < 0) {
        throw new TypeError('setUpdateListener: serial must be a non-negative integer')
      }
      current?.stop()
      const subscription = service.listen(serial, listener)
      current = subscription
      return subscription.ready
    },
    getAllUpdates: () => {
      return Promise.resolve(service.all())
    }
  }
}
