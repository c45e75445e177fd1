/**
 * rtmesh nodes on loopback: start several, connect them, stop them.
 */
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createRealtimeNode } from '@rtmesh/core'
import type { RealtimeNode, RealtimeNodeOptions } from '@rtmesh/core'

/** A TCP listen address on loopback with a port the OS picks. */
export const LOOPBACK_TCP = '/ip4/127.0.0.1/tcp/0'

/** Starts `count` rtmesh nodes that listen on {@link LOOPBACK_TCP} (unless `options.listen` says otherwise). */
export async function startNodes (count: number, options: RealtimeNodeOptions = {}): Promise<RealtimeNode[]> {
  return await Promise.all(Array.from({ length: count }, async () => await createRealtimeNode({ listen: [LOOPBACK_TCP], ...options })))
}

/** Stops everything in `nodes` at once (rtmesh nodes, libp2p nodes, relays). */
export async function stopAll (nodes: Array<{ stop: () => Promise<void> | void }>): Promise<void> {
  await Promise.all(nodes.map(async (node) => { await node.stop() }))
}

/** Dials `to`'s first listen address from `from`. */
export async function connect (from: { libp2p: Libp2p }, to: { libp2p: Libp2p }): Promise<void> {
  const addr = to.libp2p.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('target does not listen')
  await from.libp2p.dial(addr)
}

/** The first of `node.multiaddrs` (a relay's, say) as a multiaddr. */
export function firstAddr (node: { multiaddrs: string[] }): Multiaddr {
  const addr = node.multiaddrs[0]
  if (addr === undefined) throw new Error('node does not listen')
  return multiaddr(addr)
}
