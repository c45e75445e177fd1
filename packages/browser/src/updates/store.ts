/**
 * `UpdateStore`: an `UpdateService` over an update log, without transport:
 * checks and records the updates of this instance, takes those a transport
 * learned, and hands both to listeners. Used alone it is the update API of a
 * page that shares with nobody; `MeshUpdates` adds the mesh.
 *
 * Listeners are called asynchronously (in a microtask), never from inside
 * `send`, in serial order, each update once. What a listener throws goes to
 * `onError` and does not stop the others.
 */
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'
import { UpdateLog, receivedUpdate } from './log.ts'
import type { LogEntry, LogLimits } from './log.ts'
import type { UpdateService } from './service.ts'
import { checkOwnUpdate, newUpdateId } from './wire.ts'
import type { CheckedUpdate } from './wire.ts'

/** Every field optional. */
export interface UpdateStoreInit {
  /** Bounds of the log. */
  limits?: LogLimits
  /** Called with each update this instance sends, after it was recorded. */
  onSent?: (entry: LogEntry) => void
  /** What listeners throw. Default `console.error`. */
  onError?: (err: unknown) => void
}

interface Subscription {
  listener: (update: ReceivedStatusUpdate<unknown>) => void
  /** Serial of the last update handed over. */
  after: number
  stopped: boolean
  scheduled: boolean
}

export class UpdateStore implements UpdateService {
  readonly log: UpdateLog
  private readonly onSent: (entry: LogEntry) => void
  private readonly onError: (err: unknown) => void
  private readonly subscriptions = new Set<Subscription>()

  constructor (init: UpdateStoreInit = {}) {
    this.log = new UpdateLog(init.limits)
    this.onSent = init.onSent ?? (() => {})
    this.onError = init.onError ?? ((err) => { console.error('rtmesh updates:', err) })
  }

  send (update: SendingStatusUpdate<unknown>): void {
    const checked = checkOwnUpdate(update)
    // a fresh random id cannot be known: add returns the entry
    const entry = this.log.add(newUpdateId(), checked.json, checked.size)
    if (entry === undefined) return
    this.notify()
    this.onSent(entry)
  }

  /** Records an update learned from elsewhere; returns its entry, or `undefined` if it was known. */
  receive (id: string, update: CheckedUpdate): LogEntry | undefined {
    const entry = this.log.add(id, update.json, update.size)
    if (entry !== undefined) this.notify()
    return entry
  }

  listen (since: number, listener: (update: ReceivedStatusUpdate<unknown>) => void): { ready: Promise<void>, stop: () => void } {
    const subscription: Subscription = { listener, after: since, stopped: false, scheduled: true }
    this.subscriptions.add(subscription)
    const ready = new Promise<void>((resolve) => {
      queueMicrotask(() => {
        subscription.scheduled = false
        this.deliver(subscription)
        resolve()
      })
    })
    return {
      ready,
      stop: () => {
        subscription.stopped = true
        this.subscriptions.delete(subscription)
      }
    }
  }

  all (): Array<ReceivedStatusUpdate<unknown>> {
    const max = this.log.maxSerial
    return this.log.after(0).map((entry) => receivedUpdate(entry, max))
  }

  private notify (): void {
    for (const subscription of this.subscriptions) {
      if (subscription.scheduled) continue
      subscription.scheduled = true
      queueMicrotask(() => {
        subscription.scheduled = false
        this.deliver(subscription)
      })
    }
  }

  private deliver (subscription: Subscription): void {
    for (const entry of this.log.after(subscription.after)) {
      if (subscription.stopped) return
      subscription.after = entry.serial
      try {
        subscription.listener(receivedUpdate(entry, this.log.maxSerial))
      } catch (err) {
        this.onError(err)
      }
    }
  }
}
