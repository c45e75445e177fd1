/**
 * libp2p nodes outside rtmesh, for attacks and baselines: bare nodes that
 * write to other nodes' streams by hand, and plain gossipsub nodes. The
 * connection layers (Noise, Yamux) are rtmesh's own, from `connectionLayers()`.
 */
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import type { TCPSocketOptions } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { connectionLayers } from '@rtmesh/core'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'
import { LOOPBACK_TCP } from './nodes.ts'

export interface Libp2pNodeOptions<S extends ServiceMap> {
  /** Addresses to listen on; default none (a node that only dials). */
  listen?: string[]
  /**
   * The address TCP dials leave from (e.g. 127.0.0.2, also loopback), so
   * that a relay's bans of this node's address do not touch honest peers on
   * 127.0.0.1. WebSocket dials always leave from 127.0.0.1.
   */
  localAddress?: string
  /** The node's services; default none. */
  services?: ServiceFactoryMap<S>
  connectionManager?: Libp2pOptions['connectionManager']
}

/**
 * A libp2p node with TCP and WebSockets transports and rtmesh's connection
 * layers, and only the services given.
 *
 * @example
 * ```ts
 * // a bare node that opens gossipsub streams to a relay and writes to them by hand
 * const attacker = await startLibp2p({ services: { identify: identify() } })
 * const stream = await attacker.dialProtocol(relayAddr, '/meshsub/1.1.0')
 * ```
 */
export async function startLibp2p<S extends ServiceMap = ServiceMap> (options: Libp2pNodeOptions<S> = {}): Promise<Libp2p<S>> {
  const dialOpts: TCPSocketOptions & { localAddress?: string } = options.localAddress === undefined ? {} : { localAddress: options.localAddress }
  return await createLibp2p<S>({
    addresses: { listen: options.listen ?? [] },
    transports: [tcp({ dialOpts }), webSockets()],
    ...connectionLayers(),
    connectionManager: options.connectionManager,
    services: options.services
  })
}

export interface RawNodeOptions {
  /** Listen on {@link LOOPBACK_TCP}; default true. */
  listen?: boolean
  /** See {@link Libp2pNodeOptions.localAddress}. */
  localAddress?: string
  /** Merged over the raw node's gossipsub options. */
  gossipsub?: Partial<GossipsubOpts>
}

/** A {@link startRawNode} node: gossipsub under `pubsub`. */
export type RawNode = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>, pubsub: GossipSub }>

/**
 * A plain gossipsub node outside rtmesh: it can learn a topic string and
 * publish anything on it. Unlike a channel's gossipsub (see
 * `channelGossipsubOptions`), it does not sign and its message ids are
 * random, so it can re-publish bytes it has already seen (what a replaying
 * attacker does).
 */
export async function startRawNode (options: RawNodeOptions = {}): Promise<RawNode> {
  return await startLibp2p({
    listen: options.listen === false ? [] : [LOOPBACK_TCP],
    localAddress: options.localAddress,
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictNoSign,
        allowPublishToZeroTopicPeers: true,
        msgIdFn: () => crypto.getRandomValues(new Uint8Array(20)),
        ...options.gossipsub
      })
    }
  })
}
