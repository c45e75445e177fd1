/**
 * The one thing the bridge needs from a transport: a postMessage-style port.
 * A DOM `MessagePort` and Node's `worker_threads` `MessagePort` are one as
 * they are; Electron's `MessagePortMain` (an event emitter that cannot
 * transfer ArrayBuffers) becomes one through {@link emitterPort}.
 */

/** What a port's `message` listener receives. */
export interface BridgeMessageEvent {
  readonly data: unknown
}

/** One end of a message channel between an app frame and its host. */
export interface BridgePort {
  /** Posts a structured clone of `message`, moving the buffers in `transfer` (the sender no longer owns them). */
  postMessage (message: unknown, transfer: ArrayBuffer[]): void
  addEventListener (type: 'message', listener: (event: BridgeMessageEvent) => void): void
  removeEventListener (type: 'message', listener: (event: BridgeMessageEvent) => void): void
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
  return {
    postMessage: (message) => { port.postMessage(message) },
    addEventListener: (_type, listener) => { port.on('message', listener) },
    removeEventListener: (_type, listener) => { port.off('message', listener) },
    start: () => { port.start() },
    close: () => { port.close() }
  }
}
