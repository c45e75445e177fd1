/**
 * The webxdc channel object an app holds, with the argument and state rules
 * of the webxdc spec in one place: `send` takes a `Uint8Array` of at most
 * 128 000 bytes, `setListener` a function (and replaces the previous one),
 * and after `leave()` both throw. Whatever carries the frames (a node, a
 * node still starting, a bridge to a host) is the backend.
 */
import type { RealtimeListener } from '@webxdc/types'
import { MAX_MESSAGE_SIZE } from '../proto/constants.ts'
import { ChannelClosedError, MessageTooLargeError } from '../errors.ts'

export type Listener = (data: Uint8Array) => void

/** What carries a channel's frames. */
export interface ChannelBackend {
  /** Sends a checked payload. */
  send: (data: Uint8Array) => void
  /** Leaves; called once. */
  leave: () => void
}

/** Throws the error an app gets for a bad `send` argument. */
export function checkSendData (data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('send expects a Uint8Array')
  if (data.byteLength > MAX_MESSAGE_SIZE) throw new MessageTooLargeError(data.byteLength, MAX_MESSAGE_SIZE)
}

/** Throws the error an app gets for a bad listener. */
export function checkListener (listener: unknown, method: string): asserts listener is Listener {
  if (typeof listener !== 'function') throw new TypeError(`${method} expects a function`)
}

export class ChannelHandle implements RealtimeListener {
  private readonly backend: ChannelBackend
  private readonly onLeave: () => void
  private listener: Listener | undefined
  private closed = false

  /** `onLeave` runs after the backend left (the app may join again from then on). */
  constructor (backend: ChannelBackend, onLeave: () => void = () => {}) {
    this.backend = backend
    this.onLeave = onLeave
  }

  /** True once `leave()` was called. */
  get isClosed (): boolean {
    return this.closed
  }

  setListener (listener: Listener): void {
    if (this.closed) throw new ChannelClosedError()
    checkListener(listener, 'setListener')
    this.listener = listener
  }

  send (data: Uint8Array): void {
    if (this.closed) throw new ChannelClosedError()
    checkSendData(data)
    this.backend.send(data)
  }

  leave (): void {
    if (this.closed) return
    this.closed = true
    this.listener = undefined
    this.backend.leave()
    this.onLeave()
  }

  /** Hands a received payload to the listener, if any; what the listener throws propagates. */
  dispatch (data: Uint8Array): void {
    this.listener?.(data)
  }
}
