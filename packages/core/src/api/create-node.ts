/**
 * `createRealtimeNode`: a ready-made Node.js realtime node (TCP and
 * WebSockets, Noise, Yamux, identify, gossipsub).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { channelGossipsubOptions } from '../libp2p/gossipsub-options.ts'
import { createRealtimeNodeFromLibp2p } from './node.ts'
import type { RealtimeNode } from './node.ts'
import { parseMultiaddrs, resolveRealtimeOptions } from './options.ts'
import type { RealtimeNodeOptions } from './options.ts'

/**
 * Incoming connections accepted per second from one address. libp2p's
 * default of 5 refuses peers behind one NAT (and every test on loopback).
 */
const INBOUND_CONNECTION_THRESHOLD = 100
const MAX_INCOMING_PENDING_CONNECTIONS = 100

/**
 * Creates and starts a realtime node. It dials the `bootstrap` peers and
 * stays connected to them.
 *
 * @example
 * ```ts
 * const node = await createRealtimeNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
 * const channel = node.webxdc({ secret, chatId: 'chat', appId: 'app' }).joinRealtimeChannel()
 * ```
 */
export async function createRealtimeNode (options: RealtimeNodeOptions = {}): Promise<RealtimeNode> {
  resolveRealtimeOptions(options) // validate before anything starts
  const listen = parseMultiaddrs('listen', options.listen).map((ma) => ma.toString())
  const libp2p = await createLibp2p({
    addresses: { listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS
    },
    services: {
      identify: identify(),
      pubsub: gossipsub(channelGossipsubOptions(options.gossipsub))
    }
  })
  try {
    return await createRealtimeNodeFromLibp2p(libp2p, options)
  } catch (err) {
    await libp2p.stop()
    throw err
  }
}
