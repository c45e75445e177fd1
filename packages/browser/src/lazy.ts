/**
 * The webxdc API is synchronous but a node starts asynchronously: this
 * wrapper hands out channels at once and binds them to the node when it is
 * ready. Sends are ephemeral: a send reaches the peers connected when it is
 * made, so one made while no peer can receive it (the node has not started,
 * or has no connection at all) is dropped and counted (`unsent()`), never
 * kept for peers that come later. A listener set early is bound when the
 * node is ready.
 */
import { ChannelActiveError, ChannelClosedError, MAX_MESSAGE_SIZE, MessageTooLargeError } from '@rtmesh/core/portable'
import type { ChannelIdentity, RealtimeListener, RealtimeNode, RealtimeSession, WebxdcRealtime } from '@rtmesh/core/portable'

type Listener = (data: Uint8Array) => void

/** The webxdc realtime API before and after the node is ready, and what it could not send. */
export interface LazyWebxdc {
  webxdc: WebxdcRealtime
  /** Sends dropped because no peer could receive them (node not started, or no connection). */
  unsent: () => number
}

interface Bound {
  channel: RealtimeListener
  node: RealtimeNode
}

class PendingChannel implements RealtimeListener {
  private bound: Bound | undefined
  private listener: Listener | undefined
  closed = false
  private readonly onLeave: () => void
  private readonly onUnsent: () => void

  constructor (ready: Promise<{ node: RealtimeNode, webxdc: WebxdcRealtime }>, events: { onLeave: () => void, onUnsent: () => void, onError: (err: unknown) => void }) {
    this.onLeave = events.onLeave
    this.onUnsent = events.onUnsent
    ready.then(({ node, webxdc }) => {
      if (this.closed) return
      const channel = webxdc.joinRealtimeChannel()
      this.bound = { channel, node }
      if (this.listener !== undefined) channel.setListener(this.listener)
    }).catch(events.onError)
  }

  setListener (listener: Listener): void {
    if (this.closed) throw new ChannelClosedError()
    if (typeof listener !== 'function') throw new TypeError('setListener expects a function')
    this.listener = listener
    this.bound?.channel.setListener(listener)
  }

  send (data: Uint8Array): void {
    if (this.closed) throw new ChannelClosedError()
    if (!(data instanceof Uint8Array)) throw new TypeError('send expects a Uint8Array')
    if (data.byteLength > MAX_MESSAGE_SIZE) throw new MessageTooLargeError(data.byteLength, MAX_MESSAGE_SIZE)
    if (this.bound === undefined || this.bound.node.libp2p.getConnections().length === 0) {
      this.onUnsent()
      return
    }
    this.bound.channel.send(data)
  }

  leave (): void {
    if (this.closed) return
    this.closed = true
    this.bound?.channel.leave()
    this.onLeave()
  }
}

/** The webxdc realtime API of one chat-and-app pair, usable before `node` resolves. */
export function lazyWebxdc (node: Promise<RealtimeNode>, identity: ChannelIdentity, onError: (err: unknown) => void): LazyWebxdc {
  const ready = node.then((n) => ({ node: n, webxdc: n.webxdc(identity) }))
  let active: PendingChannel | undefined
  let unsent = 0
  const open = (): PendingChannel => {
    const channel = new PendingChannel(ready, {
      onLeave: () => { if (active === channel) active = undefined },
      onUnsent: () => { unsent++ },
      onError
    })
    active = channel
    return channel
  }
  const webxdc: WebxdcRealtime = {
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
  return { webxdc, unsent: () => unsent }
}
