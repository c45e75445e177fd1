/**
 * Which peers are rtmesh relays: the ones this node was configured with
 * (its bootstrap list). What a peer says about itself (the protocols it lists
 * in identify) makes it nothing: a self-declared relay would get its forged
 * frames ignored instead of penalized.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The peer id a multiaddr names (its last `/p2p/` component), if any. */
export function peerIdOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast((c) => c.name === 'p2p')?.value
}

/**
 * The membership test for relays named by `addrs` (addresses without a
 * `/p2p/` component name no peer and are skipped).
 */
export function configuredRelays (addrs: Multiaddr[]): (peer: PeerId) => boolean {
  const relays = new Set(addrs.map(peerIdOf).filter((id): id is string => id !== undefined))
  return (peer) => relays.has(peer.toString())
}
