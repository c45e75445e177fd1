/**
 * The host's side of the bridge: serves one app frame over one port, bound
 * to one chat-and-app pair (its `WebxdcRealtime` and `UpdateService`). The
 * frame runs untrusted code: each message goes through the rate limits and
 * the parser of `protocol.ts`; what fails is dropped and counted, nothing is
 * thrown into the host. Transport-agnostic (see `port.ts`): no DOM, no Node
 * built-ins.
 */
import type { ReceivedStatusUpdate } from '@webxdc/types'
import { InvalidOptionError, TokenBucket } from '@rtmesh/core/api'
import type { Rate, RealtimeListener, WebxdcRealtime } from '@rtmesh/core/api'
import type { UpdateService } from '../updates/service.ts'
import { DEFAULT_FRAME_BYTES, DEFAULT_FRAME_MESSAGES, MAX_CHAT_REQUESTS } from './constants.ts'
import { messageData } from './port.ts'
import type { BridgePort } from './port.ts'
import { parseFrameMessage, parseUpdateJson } from './protocol.ts'
import type { ChatMessage, FrameIdentity, FrameMessage, HostMessage } from './protocol.ts'

/** How much a frame may post; every field optional. */
export interface BridgeLimits {
  /** Messages per second of any kind, and in a burst. Default {@link DEFAULT_FRAME_MESSAGES}. */
  messages?: Rate
  /** Payload bytes per second (realtime data and status updates), and in a burst. Default {@link DEFAULT_FRAME_BYTES}. */
  bytes?: Rate
}

/** What a frame is bound to: the one pair it can ever reach, and who it runs as. */
export interface BridgeOptions extends FrameIdentity {
  /** The realtime API of the pair: `node.webxdc({ secret, chatId, appId })`. */
  webxdc: WebxdcRealtime
  /** The status updates of the same pair. */
  updates: UpdateService
  /**
   * Carries out `webxdc.sendToChat(message)` (the host decides: asks the
   * user, picks the chat…); what it throws or rejects with, the app's
   * promise rejects with (as a message). Without it the app's promise rejects.
   */
  onSendToChat?: (message: ChatMessage) => void | Promise<void>
  limits?: BridgeLimits
}

/** Why a message from the frame was dropped. */
export interface BridgeDrops {
  /** Not a message of the protocol (PROTOCOL.md). */
  garbage: number
  /** Over the message rate. */
  flood: number
  /** Over the byte rate. */
  bytes: number
  /** About a join that is not the current one (a send or leave after the frame left, a join counter that went back). */
  stale: number
  /** Refused by the pair: joining threw (the pair is joined elsewhere on this node), the update service refused an update, too many `sendToChat` at once. */
  refused: number
}

export interface BridgeStats {
  /** Messages from the frame acted on. */
  accepted: number
  /** Realtime payloads handed to the channel. */
  sent: number
  /** Realtime payloads posted to the frame. */
  delivered: number
  dropped: BridgeDrops
  /** Posts to the frame that failed (a closed port, something that could not be cloned). */
  postErrors: number
}

/** One frame served by its host. */
export interface BridgedFrame {
  /** True after `close()` or the frame's goodbye. */
  readonly closed: boolean
  stats: () => BridgeStats
  /** Leaves the frame's channel, stops its update listener and closes the port; idempotent. */
  close: () => void
}

function checkRate (name: string, value: Rate | undefined, fallback: Rate): Rate {
  if (value === undefined) return fallback
  const ok = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0
  if (typeof value !== 'object' || !ok(value.rate) || !ok(value.burst)) throw new InvalidOptionError(name, 'must be { rate, burst } with positive numbers')
  return { rate: value.rate, burst: value.burst }
}

function checkOptions (options: BridgeOptions): { messages: Rate, bytes: Rate } {
  if (typeof options.webxdc.joinRealtimeChannel !== 'function') throw new InvalidOptionError('webxdc', 'must be the WebxdcRealtime of a pair (node.webxdc(identity))')
  if (typeof options.updates.listen !== 'function') throw new InvalidOptionError('updates', 'must be an UpdateService')
  if (typeof options.selfAddr !== 'string') throw new InvalidOptionError('selfAddr', 'must be a string')
  if (typeof options.selfName !== 'string') throw new InvalidOptionError('selfName', 'must be a string')
  if (options.onSendToChat !== undefined && typeof options.onSendToChat !== 'function') throw new InvalidOptionError('onSendToChat', 'must be a function')
  return {
    messages: checkRate('limits.messages', options.limits?.messages, DEFAULT_FRAME_MESSAGES),
    bytes: checkRate('limits.bytes', options.limits?.bytes, DEFAULT_FRAME_BYTES)
  }
}

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Serves the frame at the other end of `port` with the pair of `options`,
 * until `close()` or the frame's goodbye. Posts `hello` (the identity) at
 * once.
 */
export function bridgeFrame (port: BridgePort, options: BridgeOptions): BridgedFrame {
  const limits = checkOptions(options)
  const { webxdc, updates, onSendToChat } = options
  const clock = (): number => performance.now()
  const messageBudget = new TokenBucket(limits.messages.burst, clock())
  const byteBudget = new TokenBucket(limits.bytes.burst, clock())
  const dropped: BridgeDrops = { garbage: 0, flood: 0, bytes: 0, stale: 0, refused: 0 }
  let accepted = 0
  let sent = 0
  let delivered = 0
  let postErrors = 0
  let closed = false
  let lastCh = 0
  /** The frame's current join; `channel` is undefined if joining was refused. */
  let current: { ch: number, channel: RealtimeListener | undefined } | undefined
  let listening: { id: number, stop: () => void } | undefined
  let chatRequests = 0

  const post = (message: HostMessage, transfer: ArrayBuffer[] = []): void => {
    if (closed) return
    try {
      port.postMessage(message, transfer)
    } catch {
      postErrors++
    }
  }

  const leaveChannel = (): void => {
    const was = current
    current = undefined
    was?.channel?.leave()
  }

  const stopListening = (): void => {
    const was = listening
    listening = undefined
    was?.stop()
  }

  const join = (ch: number): void => {
    leaveChannel()
    let channel: RealtimeListener
    try {
      channel = webxdc.joinRealtimeChannel()
    } catch {
      current = { ch, channel: undefined }
      dropped.refused++
      return
    }
    channel.setListener((data) => {
      if (current?.ch !== ch) return
      const copy = new Uint8Array(data) // ours to transfer
      delivered++
      post({ type: 'data', ch, data: copy.buffer }, [copy.buffer])
    })
    current = { ch, channel }
  }

  const listen = (id: number, since: number): void => {
    stopListening()
    const mine = { id, stop: () => {} }
    listening = mine // before listen(): it may hand over the known updates at once
    const ready = (): void => { if (listening === mine) post({ type: 'ready', id }) }
    try {
      const handle = updates.listen(since, (update) => { if (listening === mine) post({ type: 'update', id, update }) })
      mine.stop = handle.stop
      if (listening !== mine) handle.stop()
      handle.ready.then(ready, () => { dropped.refused++; ready() })
    } catch {
      dropped.refused++
      ready()
    }
  }

  const sendToChat = (id: number, message: ChatMessage): void => {
    if (onSendToChat === undefined) {
      post({ type: 'result', id, error: 'sendToChat is not available in this host' })
      return
    }
    if (chatRequests >= MAX_CHAT_REQUESTS) {
      dropped.refused++
      post({ type: 'result', id, error: 'sendToChat: too many requests at once' })
      return
    }
    chatRequests++
    new Promise<void>((resolve) => { resolve(onSendToChat(message)) }).then(
      () => { post({ type: 'result', id }) },
      (err: unknown) => { post({ type: 'result', id, error: errorText(err) }) }
    ).finally(() => { chatRequests-- }).catch(() => {})
  }

  /** Charges `size` payload bytes; false (and counted) if over the byte rate. */
  const chargeBytes = (size: number): boolean => {
    const now = clock()
    if (!byteBudget.has(limits.bytes, size, now)) {
      dropped.bytes++
      return false
    }
    byteBudget.take(limits.bytes, size, now)
    return true
  }

  const handle = (message: FrameMessage): void => {
    switch (message.type) {
      case 'join':
        if (message.ch <= lastCh) {
          dropped.stale++
          return
        }
        lastCh = message.ch
        accepted++
        join(message.ch)
        return
      case 'send': {
        const channel = current?.ch === message.ch ? current.channel : undefined
        if (channel === undefined) {
          if (current?.ch === message.ch) dropped.refused++
          else dropped.stale++
          return
        }
        if (!chargeBytes(message.data.byteLength)) return
        channel.send(new Uint8Array(message.data))
        accepted++
        sent++
        return
      }
      case 'leave':
        if (current?.ch !== message.ch) {
          dropped.stale++
          return
        }
        accepted++
        leaveChannel()
        return
      case 'update': {
        if (!chargeBytes(message.json.length)) return
        const update = parseUpdateJson(message.json)
        if (update === undefined) {
          dropped.garbage++
          return
        }
        try {
          updates.send(update)
          accepted++
        } catch {
          dropped.refused++
        }
        return
      }
      case 'listen':
        accepted++
        listen(message.id, message.since)
        return
      case 'getAll': {
        accepted++
        let all: Array<ReceivedStatusUpdate<unknown>>
        try {
          all = updates.all()
        } catch {
          dropped.refused++
          all = []
        }
        post({ type: 'all', id: message.id, updates: all })
        return
      }
      case 'sendToChat':
        accepted++
        sendToChat(message.id, message.message)
        return
      case 'bye':
        accepted++
        close()
    }
  }

  const onMessage = (event: Event): void => {
    if (closed) return
    try {
      const now = clock()
      if (!messageBudget.has(limits.messages, 1, now)) {
        dropped.flood++
        return
      }
      messageBudget.take(limits.messages, 1, now)
      const message = parseFrameMessage(messageData(event))
      if (message === undefined) {
        dropped.garbage++
        return
      }
      handle(message)
    } catch {
      // a pair's API that throws where it should not (a stopped node): the host carries on
      dropped.refused++
    }
  }

  const close = (): void => {
    if (closed) return
    closed = true
    port.removeEventListener('message', onMessage)
    try {
      leaveChannel()
      stopListening()
    } finally {
      try {
        port.close()
      } catch {
        postErrors++
      }
    }
  }

  port.addEventListener('message', onMessage)
  port.start?.()
  post({ type: 'hello', selfAddr: options.selfAddr, selfName: options.selfName })

  return {
    get closed () { return closed },
    stats: () => ({ accepted, sent, delivered, dropped: { ...dropped }, postErrors }),
    close
  }
}
