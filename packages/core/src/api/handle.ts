/**
 * The webxdc channel object an app holds, with the argument and state rules
 * of the webxdc spec in one place: `send` takes a `Uint8Array` of at most
 * 128 000 bytes, `setListener` a function (and replaces the previous one),
 * and after `leave()` both throw. Whatever carries the frames (a node, a
 * node still starting, a bridge to a host) is the backend.
 */
import { MAX_MESSAGE_SIZE } from '../proto/constants.ts'
import { ChannelClosedError, MessageTooLargeError } from '../errors.ts'
import type {
  ConnectionListener, ConnectionState, ExtensionsBackend, PresenceEvent, PresenceListener, RealtimeChannel, RealtimeExtensions
} from './events.ts'

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

export class ChannelHandle implements RealtimeChannel {
  /** rtmesh's extensions; only when the handle was given an `ExtensionsBackend` (otherwise absent, not undefined). */
  declare readonly rtmesh?: RealtimeExtensions
  private readonly backend: ChannelBackend
  private readonly onLeave: () => void
  private listener: Listener | undefined
  private readonly presenceListeners = new Set<PresenceListener>()
  private readonly connectionListeners = new Set<ConnectionListener>()
  private closed = false

  /**
   * `onLeave` runs after the backend left (the app may join again from then
   * on); with `extensions` the handle has `rtmesh` (presence and connection
   * state), fed through `dispatchPresence` and `dispatchConnection`.
   */
  constructor (backend: ChannelBackend, onLeave: () => void = () => {}, extensions?: ExtensionsBackend) {
    this.backend = backend
    this.onLeave = onLeave
    if (extensions !== undefined) this.rtmesh = this.extensions(extensions)
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
    this.presenceListeners.clear()
    this.connectionListeners.clear()
    this.backend.leave()
    this.onLeave()
  }

  /** Hands a received payload to the listener, if any; what the listener throws propagates. */
  dispatch (data: Uint8Array): void {
    this.listener?.(data)
  }

  /** Hands a presence event to every presence listener; what one throws goes to `onError`, the rest still run. */
  dispatchPresence (event: PresenceEvent, onError: (err: unknown) => void): void {
    for (const listener of [...this.presenceListeners]) call(() => { listener({ ...event }) }, onError)
  }

  /** Hands a new connection state to every connection listener, as `dispatchPresence`. */
  dispatchConnection (state: ConnectionState, onError: (err: unknown) => void): void {
    for (const listener of [...this.connectionListeners]) call(() => { listener(state) }, onError)
  }

  private extensions (backend: ExtensionsBackend): RealtimeExtensions {
    const subscribe = <L>(set: Set<L>, listener: L, method: string): () => void => {
      if (this.closed) throw new ChannelClosedError()
      checkListener(listener, method)
      set.add(listener)
      return () => { set.delete(listener) }
    }
    return Object.freeze({
      members: () => this.closed ? [] : backend.members(),
      onPresence: (listener: PresenceListener) => subscribe(this.presenceListeners, listener, 'onPresence'),
      connection: () => this.closed ? 'offline' : backend.connection(),
      onConnection: (listener: ConnectionListener) => subscribe(this.connectionListeners, listener, 'onConnection')
    })
  }
}

function call (run: () => void, onError: (err: unknown) => void): void {
  try {
    run()
  } catch (err) {
    onError(err)
  }
}
