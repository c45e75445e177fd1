/**
 * Which connected peers are rtmesh relays: those whose identify listed
 * `RELAY_PROTOCOL`.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { RELAY_PROTOCOL } from './constants.ts'

/** Starts tracking relays among `libp2p`'s peers; returns the membership test. */
export function trackRelays (libp2p: Libp2p): (peer: PeerId) => boolean {
  const relays = new Set<string>()
  libp2p.addEventListener('peer:identify', (evt) => {
    if (evt.detail.protocols.includes(RELAY_PROTOCOL)) relays.add(evt.detail.peerId.toString())
  })
  libp2p.addEventListener('peer:disconnect', (evt) => { relays.delete(evt.detail.toString()) })
  return (peer) => relays.has(peer.toString())
}
