/**
 * The one thing the bridge needs from a transport: a postMessage-style port.
 * A DOM `MessagePort` and Node's `worker_threads` `MessagePort` are one as
 * they are; Electron's `MessagePortMain` (an event emitter that cannot
 * transfer ArrayBuffers) becomes one through {@link emitterPort}.
 */

/** What an event-emitter port's `message` listener receives. */
export interface BridgeMessageEvent {
  readonly data: unknown
}

/**
 * A port's `message` listener: it gets a `MessageEvent` (typed as the
 * `Event` it is, so that Node's `MessagePort`, typed as a plain
 * `EventTarget`, fits); {@link messageData} reads its `data`.
 */
export type BridgeListener = (event: Event) => void

/** The `data` of a port's `message` event. */
export function messageData (event: Event): unknown {
  return (event as Event & BridgeMessageEvent).data
}

/** One end of a message channel between an app frame and its host. */
export interface BridgePort {
  /** Posts a structured clone of `message`, moving the buffers in `transfer` (the sender no longer owns them). */
  postMessage (message: unknown, transfer: ArrayBuffer[]): void
  addEventListener (type: 'message', listener: BridgeListener): void
  removeEventListener (type: 'message', listener: BridgeListener): void
  /** Starts delivery where a port needs it (a DOM port with `addEventListener`). */
  start?: () => void
  close (): void
}

/** A port with the event-emitter interface, as Electron's `MessagePortMain`. */
export interface EmitterPort {
  postMessage (message: unknown): void
  on (type: 'message', listener: (event: BridgeMessageEvent) => void): unknown
  off (type: 'message', listener: (event: BridgeMessageEvent) => void): unknown
  start (): void
  close (): void
}

/**
 * A {@link BridgePort} over an event-emitter port (Electron's
 * `MessagePortMain`): messages are copied rather than transferred.
 */
export function emitterPort (port: EmitterPort): BridgePort {
  const wrapped = new Map<BridgeListener, (event: BridgeMessageEvent) => void>()
  return {
    postMessage: (message) => { port.postMessage(message) },
    addEventListener: (_type, listener) => {
      if (wrapped.has(listener)) return
      const onMessage = (event: BridgeMessageEvent): void => { listener(event as unknown as Event) }
      wrapped.set(listener, onMessage)
      port.on('message', onMessage)
    },
    removeEventListener: (_type, listener) => {
      const onMessage = wrapped.get(listener)
      if (onMessage === undefined) return
      wrapped.delete(listener)
      port.off('message', onMessage)
    },
    start: () => { port.start() },
    close: () => { port.close() }
  }
}
