/**
 * `createRealtimeNode`: a ready-made Node.js realtime node (TCP and
 * WebSockets, Noise, Yamux, identify, gossipsub).
 */
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { realtimeLibp2pOptions } from '../libp2p/preset.ts'
import { rtmesh } from '../libp2p/service.ts'
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
  const { listen: listenOption, gossipsub, ...realtime } = options
  resolveRealtimeOptions(realtime) // validate before anything starts
  const listen = parseMultiaddrs('listen', listenOption).map((ma) => ma.toString())
  const base = realtimeLibp2pOptions(gossipsub)
  const libp2p = await createLibp2p({
    ...base,
    addresses: { listen },
    transports: [tcp(), webSockets()],
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS
    },
    services: { ...base.services, rtmesh: rtmesh(realtime) }
  })
  try {
    return await createRealtimeNodeFromLibp2p(libp2p)
  } catch (err) {
    await libp2p.stop()
    throw err
  }
}
