/**
 * The app frame's side of the bridge: `window.webxdc` for an app that runs
 * in a sandbox without network, carried over a port to its host. The
 * webxdc rules hold synchronously in the frame (core's `ChannelHandle` and
 * `webxdcRealtime`); what crosses the port is in PROTOCOL.md. No DOM here:
 * `frameBridge` takes the port when it comes, `listenForPort` takes a
 * window-like scope, so both run in Node tests as in a frame.
 */
import type { ReceivedStatusUpdate, SendingStatusUpdate, Webxdc } from '@webxdc/types'
import { ChannelHandle, checkListener, webxdcRealtime } from '@rtmesh/core/api'
import type { WebxdcRealtime } from '@rtmesh/core/api'
import { SEND_UPDATE_INTERVAL_MS, SEND_UPDATE_MAX_SIZE } from '../updates/service.ts'
import { MAX_QUEUED_MESSAGES } from './constants.ts'
import { messageData } from './port.ts'
import type { BridgePort } from './port.ts'
import { checkChatMessage, isPortMessage, parseHostMessage, serializeUpdate } from './protocol.ts'
import type { ChatMessage, FrameIdentity, FrameMessage, HostMessage } from './protocol.ts'

/** What `webxdc.importFiles` takes. */
export type ImportFilter = Parameters<Webxdc<unknown>['importFiles']>[0]

/**
 * The `window.webxdc` a bridged frame gets: webxdc's `Webxdc` (`@webxdc/types`)
 * with both realtime forms.
 */
export interface FrameWebxdc extends WebxdcRealtime {
  /** The host's word (the frame's name), or a placeholder until the host says hello. */
  selfAddr: string
  selfName: string
  sendUpdateInterval: number
  sendUpdateMaxSize: number
  /** Throws `TypeError` (not an update, not serializable) or `RangeError` (too large) at once; the second argument is ignored. */
  sendUpdate: (update: SendingStatusUpdate<unknown>, description?: string) => void
  /** Replaces the listener; resolves once the updates the host knows were handed to it. */
  setUpdateListener: (listener: (update: ReceivedStatusUpdate<unknown>) => void, serial?: number) => Promise<void>
  /** The older form of `setUpdateListener`, still served for apps that use it. */
  getAllUpdates: () => Promise<Array<ReceivedStatusUpdate<unknown>>>
  /** Forwarded to the host, which decides (`onSendToChat`). */
  sendToChat: (message: ChatMessage) => Promise<void>
  /** Local to the frame (`importFiles` option). */
  importFiles: (filter: ImportFilter) => Promise<File[]>
}

export interface FrameBridgeOptions {
  /** `webxdc.selfAddr` and `selfName` (from the frame's name); without them, placeholders until the host says hello. */
  identity?: FrameIdentity
  /** `webxdc.importFiles`; without it, `importFiles` rejects. */
  importFiles?: (filter: ImportFilter) => Promise<File[]>
  /** Where errors thrown by the app's listeners go; default `reportError` (or `console.error`). */
  onListenerError?: (err: unknown) => void
}

/** What a page (or a test) can see of its bridge. */
export interface FrameBridgeStatus {
  /** `waiting` for the host's port, `connected`, or `closed` (after `close()`). */
  state: 'waiting' | 'connected' | 'closed'
  /** Realtime sends dropped because no host could take them (before the port came, after close): they are ephemeral, never kept. */
  unsent: number
  /** Status updates and requests that never reached the host: made while `MAX_QUEUED_MESSAGES` already waited for the port, or after `close()` (requests among them were rejected). */
  undelivered: number
}

export interface FrameBridge {
  /** The object to install as `window.webxdc`. */
  readonly webxdc: FrameWebxdc
  /** Binds the bridge to the host's port; only the first call counts. */
  connect: (port: BridgePort) => void
  /** Says goodbye to the host and closes the port (on `pagehide`); idempotent. */
  close: () => void
  status: () => FrameBridgeStatus
}

interface Active {
  ch: number
  handle: ChannelHandle
}

interface UpdateListener {
  id: number
  since: number
  callback: (update: ReceivedStatusUpdate<unknown>) => void
  ready: () => void
}

interface Pending<T> {
  resolve: (value: T) => void
  reject: (err: Error) => void
}

function placeholderIdentity (): FrameIdentity {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  const selfAddr = `rtmesh-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
  return { selfAddr, selfName: selfAddr }
}

function defaultListenerError (err: unknown): void {
  const report = (globalThis as { reportError?: (err: unknown) => void }).reportError
  if (typeof report === 'function') report(err)
  else console.error('rtmesh bridge: a listener threw', err)
}

/** The frame side of the bridge; nothing is posted until `connect(port)`. */
export function frameBridge (options: FrameBridgeOptions = {}): FrameBridge {
  const onListenerError = options.onListenerError ?? defaultListenerError
  const identityKnown = options.identity !== undefined
  let port: BridgePort | undefined
  let state: FrameBridgeStatus['state'] = 'waiting'
  let unsent = 0
  let undelivered = 0
  const queue: Array<{ message: FrameMessage, dropped: () => void }> = []
  let lastCh = 0
  let active: Active | undefined
  let lastId = 0
  let updateListener: UpdateListener | undefined
  const allRequests = new Map<number, Pending<Array<ReceivedStatusUpdate<unknown>>>>()
  const chatRequests = new Map<number, Pending<undefined>>()

  const safely = (call: () => void): void => {
    try {
      call()
    } catch (err) {
      onListenerError(err)
    }
  }

  /** Posts now, or keeps the message for the port (up to the cap; `dropped` runs for one that is not kept). */
  const post = (message: FrameMessage, dropped: () => void = () => {}): void => {
    if (port !== undefined) {
      port.postMessage(message, [])
    } else if (state === 'waiting' && queue.length < MAX_QUEUED_MESSAGES) {
      queue.push({ message, dropped })
    } else {
      undelivered++
      dropped()
    }
  }

  const open = (): ChannelHandle => {
    const ch = ++lastCh
    const handle: ChannelHandle = new ChannelHandle({
      send: (data) => {
        if (port === undefined) {
          unsent++
          return
        }
        const copy = new Uint8Array(data) // a buffer of exactly these bytes, ours to transfer
        port.postMessage({ type: 'send', ch, data: copy.buffer }, [copy.buffer])
      },
      leave: () => { port?.postMessage({ type: 'leave', ch }, []) }
    }, () => { if (active?.handle === handle) active = undefined })
    active = { ch, handle }
    port?.postMessage({ type: 'join', ch }, [])
    return handle
  }
  const realtime = webxdcRealtime(() => active !== undefined, open)
  const identity = options.identity ?? placeholderIdentity()

  const webxdc: FrameWebxdc = {
    selfAddr: identity.selfAddr,
    selfName: identity.selfName,
    sendUpdateInterval: SEND_UPDATE_INTERVAL_MS,
    sendUpdateMaxSize: SEND_UPDATE_MAX_SIZE,
    joinRealtimeChannel: realtime.joinRealtimeChannel,
    joinRealtimeSession: realtime.joinRealtimeSession,
    sendUpdate: (update) => {
      post({ type: 'update', json: serializeUpdate(update) })
    },
    setUpdateListener: async (callback, serial = 0) => {
      checkListener(callback, 'setUpdateListener')
      if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0) throw new TypeError('setUpdateListener expects a serial that is a non-negative integer')
      const previous = updateListener
      await new Promise<void>((resolve) => {
        updateListener = { id: ++lastId, since: serial, callback, ready: resolve }
        previous?.ready()
        post({ type: 'listen', id: updateListener.id, since: serial })
      })
    },
    getAllUpdates: async () => await new Promise((resolve, reject) => {
      const id = ++lastId
      allRequests.set(id, { resolve, reject })
      post({ type: 'getAll', id }, () => {
        allRequests.delete(id)
        reject(new Error('getAllUpdates: the host has not connected'))
      })
    }),
    sendToChat: async (message) => {
      const checked = checkChatMessage(message)
      if (typeof checked === 'string') throw new TypeError(checked)
      await new Promise<undefined>((resolve, reject) => {
        const id = ++lastId
        chatRequests.set(id, { resolve, reject })
        post({ type: 'sendToChat', id, message: checked }, () => {
          chatRequests.delete(id)
          reject(new Error('sendToChat: the host has not connected'))
        })
      })
    },
    importFiles: async (filter) => {
      if (options.importFiles === undefined) throw new Error('importFiles is not available here')
      return await options.importFiles(filter)
    }
  }

  const settle = <T>(requests: Map<number, Pending<T>>, id: number, settleOne: (pending: Pending<T>) => void): void => {
    const pending = requests.get(id)
    if (pending === undefined) return
    requests.delete(id)
    settleOne(pending)
  }

  const onHostMessage = (message: HostMessage): void => {
    switch (message.type) {
      case 'hello':
        if (!identityKnown) {
          webxdc.selfAddr = message.selfAddr
          webxdc.selfName = message.selfName
        }
        break
      case 'data': {
        const current = active
        if (current?.ch === message.ch) safely(() => { current.handle.dispatch(new Uint8Array(message.data)) })
        break
      }
      case 'update': {
        const listener = updateListener
        if (listener?.id === message.id) safely(() => { listener.callback(message.update) })
        break
      }
      case 'ready':
        if (updateListener?.id === message.id) updateListener.ready()
        break
      case 'all':
        settle(allRequests, message.id, (p) => { p.resolve(message.updates) })
        break
      case 'result':
        settle(chatRequests, message.id, (p) => {
          if (message.error === undefined) p.resolve(undefined)
          else p.reject(new Error(message.error))
        })
        break
    }
  }
  const onMessage = (event: Event): void => {
    const message = parseHostMessage(messageData(event))
    if (message !== undefined) onHostMessage(message)
  }

  return {
    webxdc,
    connect: (given) => {
      if (state !== 'waiting') return
      state = 'connected'
      port = given
      given.addEventListener('message', onMessage)
      given.start?.()
      if (active !== undefined) given.postMessage({ type: 'join', ch: active.ch }, [])
      for (const { message } of queue.splice(0)) given.postMessage(message, [])
    },
    close: () => {
      if (state === 'closed') return
      const was = port
      state = 'closed'
      port = undefined
      for (const { dropped } of queue.splice(0)) {
        undelivered++
        dropped()
      }
      if (was === undefined) return
      was.removeEventListener('message', onMessage)
      try {
        was.postMessage({ type: 'bye' }, [])
      } finally {
        was.close()
      }
    },
    status: () => ({ state, unsent, undelivered })
  }
}

/** What `listenForPort` needs of a window. */
export interface PortScope {
  readonly parent: unknown
  addEventListener (type: 'message', listener: (event: PortEvent) => void): void
  removeEventListener (type: 'message', listener: (event: PortEvent) => void): void
}

/** The parts of a window's `message` event `listenForPort` reads. */
export interface PortEvent {
  readonly source: unknown
  readonly data: unknown
  readonly ports: readonly BridgePort[]
}

/**
 * Waits for the host's port: the first `{ rtmesh: 'port', v }` message
 * from `scope.parent` that carries a port. Messages from anyone else (the
 * app itself, other frames) are ignored. Returns the function that stops
 * waiting.
 */
export function listenForPort (scope: PortScope, onPort: (port: BridgePort) => void): () => void {
  const listener = (event: PortEvent): void => {
    if (event.source !== scope.parent || !isPortMessage(event.data)) return
    const port = event.ports[0]
    if (port === undefined) return
    scope.removeEventListener('message', listener)
    onPort(port)
  }
  scope.addEventListener('message', listener)
  return () => { scope.removeEventListener('message', listener) }
}
