/**
 * The webxdc API is synchronous but a node starts asynchronously: this
 * wrapper hands out channels at once and binds them to the node when it is
 * ready. Sends are ephemeral: a send reaches the peers connected when it is
 * made, so one made while no peer can receive it (the node has not started,
 * or has no connection at all) is dropped and counted (`unsent()`), never
 * kept for peers that come later. A listener set early is bound when the
 * node is ready.
 */
import { ChannelHandle, webxdcRealtime } from '@rtmesh/core/portable'
import type { ChannelIdentity, RealtimeListener, RealtimeNode, WebxdcRealtime } from '@rtmesh/core/portable'

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

/** The webxdc realtime API of one chat-and-app pair, usable before `node` resolves. */
export function lazyWebxdc (node: Promise<RealtimeNode>, identity: ChannelIdentity, onError: (err: unknown) => void): LazyWebxdc {
  const ready = node.then((n) => ({ node: n, webxdc: n.webxdc(identity) }))
  let active: ChannelHandle | undefined
  let unsent = 0
  const open = (): ChannelHandle => {
    let bound: Bound | undefined
    let left = false
    const handle: ChannelHandle = new ChannelHandle({
      send: (data) => {
        if (bound === undefined || bound.node.libp2p.getConnections().length === 0) {
          unsent++
          return
        }
        bound.channel.send(data)
      },
      leave: () => {
        left = true
        bound?.channel.leave()
      }
    }, () => { if (active === handle) active = undefined })
    ready.then(({ node: n, webxdc }) => {
      if (left) return
      const channel = webxdc.joinRealtimeChannel()
      channel.setListener((data) => { handle.dispatch(data) })
      bound = { channel, node: n }
    }).catch(onError)
    active = handle
    return handle
  }
  return { webxdc: webxdcRealtime(() => active !== undefined, open), unsent: () => unsent }
}
