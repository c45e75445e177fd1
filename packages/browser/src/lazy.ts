/**
 * The webxdc API is synchronous but a node starts asynchronously: this
 * wrapper hands out channels at once and binds them to the node when it is
 * ready. Sends before then are queued (at most `MAX_QUEUED`) and go out to
 * the peers connected when the node is ready.
 */
import { ChannelActiveError, ChannelClosedError, MAX_MESSAGE_SIZE, MessageTooLargeError } from '@rtmesh/core/portable'
import type { ChannelIdentity, RealtimeListener, RealtimeNode, RealtimeSession, WebxdcRealtime } from '@rtmesh/core/portable'

/** Sends queued per channel while the node starts; older ones are dropped first. */
export const MAX_QUEUED = 64

type Listener = (data: Uint8Array) => void

class PendingChannel implements RealtimeListener {
  private channel: RealtimeListener | undefined
  private listener: Listener | undefined
  private queue: Uint8Array[] = []
  closed = false
  private readonly onLeave: () => void

  constructor (ready: Promise<WebxdcRealtime>, onLeave: () => void, onError: (err: unknown) => void) {
    this.onLeave = onLeave
    ready.then((webxdc) => {
      if (this.closed) return
      const channel = webxdc.joinRealtimeChannel()
      this.channel = channel
      if (this.listener !== undefined) channel.setListener(this.listener)
      for (const data of this.queue) channel.send(data)
      this.queue = []
    }).catch(onError)
  }

  setListener (listener: Listener): void {
    if (this.closed) throw new ChannelClosedError()
    if (typeof listener !== 'function') throw new TypeError('setListener expects a function')
    this.listener = listener
    this.channel?.setListener(listener)
  }

  send (data: Uint8Array): void {
    if (this.closed) throw new ChannelClosedError()
    if (!(data instanceof Uint8Array)) throw new TypeError('send expects a Uint8Array')
    if (data.byteLength > MAX_MESSAGE_SIZE) throw new MessageTooLargeError(data.byteLength, MAX_MESSAGE_SIZE)
    if (this.channel !== undefined) {
      this.channel.send(data)
      return
    }
    this.queue.push(data.slice())
    if (this.queue.length > MAX_QUEUED) this.queue.shift()
  }

  leave (): void {
    if (this.closed) return
    this.closed = true
    this.queue = []
    this.channel?.leave()
    this.onLeave()
  }
}

/** The webxdc realtime API of one chat-and-app pair, usable before `node` resolves. */
export function lazyWebxdc (node: Promise<RealtimeNode>, identity: ChannelIdentity, onError: (err: unknown) => void): WebxdcRealtime {
  const ready = node.then((n) => n.webxdc(identity))
  let active: PendingChannel | undefined
  const open = (): PendingChannel => {
    const channel = new PendingChannel(ready, () => { if (active === channel) active = undefined }, onError)
    active = channel
    return channel
  }
  return {
    joinRealtimeChannel: (): RealtimeListener => {
      if (active !== undefined) throw new ChannelActiveError()
      return open()
    },
    joinRealtimeSession: (listener: Listener): RealtimeSession | null => {
      if (typeof listener !== 'function') throw new TypeError('joinRealtimeSession expects a listener function')
      if (active !== undefined) return null
      const channel = open()
      channel.setListener(listener)
      return { send: (data) => { channel.send(data) }, leave: () => { channel.leave() } }
    }
  }
}
