/**
 * Test helpers: real libp2p nodes on loopback, and waiting for conditions.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import type { TCPSocketOptions } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createRealtimeNode } from '../src/index.ts'
import type { RealtimeListener, RealtimeNode, RealtimeNodeOptions } from '../src/index.ts'

export const LOOPBACK_TCP = '/ip4/127.0.0.1/tcp/0'

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor (what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

export async function startNodes (count: number, options: RealtimeNodeOptions = {}): Promise<RealtimeNode[]> {
  return await Promise.all(Array.from({ length: count }, async () => await createRealtimeNode({ listen: [LOOPBACK_TCP], ...options })))
}

export async function stopAll (nodes: Array<{ stop: () => Promise<void> | void }>): Promise<void> {
  await Promise.all(nodes.map(async (node) => { await node.stop() }))
}

export async function connect (from: { libp2p: Libp2p }, to: { libp2p: Libp2p }): Promise<void> {
  const addr = to.libp2p.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('target does not listen')
  await from.libp2p.dial(addr)
}

/** The parts of the gossipsub class (not its public interface) tests read. */
interface GossipSubInternals {
  getMeshPeers: (topic: string) => string[]
  getScore: (peerId: string) => number
}

export function internals (pubsub: GossipSub): GossipSubInternals {
  return pubsub as unknown as GossipSubInternals
}

/**
 * Waits until every node knows each of its connected neighbours as a
 * subscriber of `topic` and has grafted them (or enough of them) into its mesh.
 */
export async function waitForMesh (nodes: Array<{ libp2p: Libp2p<{ pubsub: GossipSub }> }>, topic: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(`the mesh of ${topic.slice(0, 16)}…`, () => nodes.every(({ libp2p }) => {
    const pubsub = libp2p.services.pubsub
    const neighbours = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))
    const members = nodes.map((n) => n.libp2p.peerId.toString()).filter((id) => neighbours.has(id))
    const subscribers = new Set(pubsub.getSubscribers(topic).map(String))
    const mesh = internals(pubsub).getMeshPeers(topic).length
    return members.every((id) => subscribers.has(id)) && mesh >= Math.min(members.length, 4)
  }), timeoutMs)
}

/** Records what a channel's listener receives. */
export function record (channel: RealtimeListener): Uint8Array[] {
  const received: Uint8Array[] = []
  channel.setListener((data) => { received.push(data) })
  return received
}

export function bytes (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function text (data: Uint8Array): string {
  return new TextDecoder().decode(data)
}

/**
 * A plain gossipsub node outside rtmesh: it can learn a topic string and
 * publish anything on it. Its message ids are random so it can re-publish
 * bytes it has already seen (what a replaying attacker does). With
 * `localAddress` (e.g. 127.0.0.2) its TCP dials leave from that address, so
 * that a relay's bans of it do not touch honest peers on 127.0.0.1.
 */
export async function startRawNode (overrides: Partial<GossipsubOpts> = {}, listen = true, localAddress?: string): Promise<Libp2p<{ pubsub: GossipSub }>> {
  const dialOpts: TCPSocketOptions & { localAddress?: string } = localAddress === undefined ? {} : { localAddress }
  return await createLibp2p({
    addresses: { listen: listen ? [LOOPBACK_TCP] : [] },
    transports: [tcp({ dialOpts }), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictNoSign,
        allowPublishToZeroTopicPeers: true,
        msgIdFn: () => crypto.getRandomValues(new Uint8Array(20)),
        ...overrides
      })
    }
  })
}

export function firstAddr (node: { multiaddrs: string[] }): ReturnType<typeof multiaddr> {
  const addr = node.multiaddrs[0]
  if (addr === undefined) throw new Error('node does not listen')
  return multiaddr(addr)
}
