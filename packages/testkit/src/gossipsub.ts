/**
 * What tests read from gossipsub beyond its public interface, in one place.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import { waitFor } from './wait.ts'

/**
 * Methods of the gossipsub class that its `GossipSub` interface does not
 * declare (checked against @libp2p/gossipsub 17): the mesh of a topic and a
 * peer's score. If an upgrade renames them, only this interface changes.
 */
export interface GossipSubInternals {
  /** Peer ids (as strings) in this node's mesh for `topic`. */
  getMeshPeers: (topic: string) => string[]
  /** This node's score of `peerId` (a string); negative means penalized. */
  getScore: (peerId: string) => number
  /** The options gossipsub runs with (after its defaults). */
  opts: { Dlo: number }
}

/** `pubsub` seen as the class it is, for {@link GossipSubInternals}. */
export function internals (pubsub: GossipSub): GossipSubInternals {
  return pubsub as unknown as GossipSubInternals
}

/**
 * Waits until every node knows each of its connected neighbours among
 * `nodes` as a subscriber of `topic` and has grafted them (or as many as its
 * lower mesh bound, `Dlo`) into its mesh.
 */
export async function waitForMesh (nodes: Array<{ libp2p: Libp2p<{ pubsub: GossipSub }> }>, topic: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(`the mesh of ${topic.slice(0, 16)}…`, () => nodes.every(({ libp2p }) => {
    const pubsub = libp2p.services.pubsub
    const neighbours = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))
    const members = nodes.map((n) => n.libp2p.peerId.toString()).filter((id) => neighbours.has(id))
    const subscribers = new Set(pubsub.getSubscribers(topic).map(String))
    const mesh = internals(pubsub).getMeshPeers(topic).length
    return members.every((id) => subscribers.has(id)) && mesh >= Math.min(members.length, internals(pubsub).opts.Dlo)
  }), timeoutMs)
}
