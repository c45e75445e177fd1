/**
 * `createRealtimeNode`: a ready-made Node.js realtime node (TCP and
 * WebSockets, Noise, Yamux, identify, gossipsub; with bootstrap relays also
 * circuit relay and WebRTC, for direct links to browsers and to other nodes
 * that do not listen).
 */
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions } from 'libp2p'
import { realtimeLibp2pOptions } from '../libp2p/preset.ts'
import { rtmesh } from '../libp2p/service.ts'
import { releaseWebrtcOnStop } from './webrtc-release.ts'
import { createRealtimeNodeFromLibp2p } from './node.ts'
import type { RealtimeNode } from './node.ts'
import { parseMultiaddrs, resolveRealtimeOptions, resolveWebrtcOptions } from './options.ts'
import type { RealtimeNodeOptions, ResolvedWebrtcOptions } from './options.ts'

/**
 * Incoming connections accepted per second from one address. libp2p's
 * default of 5 refuses peers behind one NAT (and every test on loopback).
 */
const INBOUND_CONNECTION_THRESHOLD = 100
const MAX_INCOMING_PENDING_CONNECTIONS = 100

/**
 * With WebRTC, the node reserves a slot on one relay it is connected to
 * (`/p2p-circuit`: a bootstrap relay, found once identify says it relays)
 * and accepts WebRTC signalled through it (`/webrtc`), as the browser node
 * does. If that relay goes, the reservation moves to another connected one.
 */
const WEBRTC_LISTEN = ['/p2p-circuit', '/webrtc']

/**
 * The transports: TCP and WebSockets, and with WebRTC the two it needs.
 * Those two are loaded on first use: with node-datachannel's native binary
 * they add about 0.35 s (measured) to importing this package, which a
 * process without WebRTC (a relay, a node that only listens) need not pay.
 */
async function transports (webrtc: ResolvedWebrtcOptions | undefined): Promise<NonNullable<Libp2pOptions['transports']>> {
  const base = [tcp(), webSockets()]
  if (webrtc === undefined) return base
  const [{ webRTC }, { circuitRelayTransport }] = await Promise.all([import('@libp2p/webrtc'), import('@libp2p/circuit-relay-v2')])
  return [...base, webRTC({ rtcConfiguration: { iceServers: webrtc.iceServers } }), circuitRelayTransport()]
}

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
  const { listen: listenOption, gossipsub, webrtc: webrtcOption, iceServers, ...realtime } = options
  // validate before anything starts
  const { bootstrap } = resolveRealtimeOptions(realtime)
  const webrtc = resolveWebrtcOptions({ webrtc: webrtcOption, iceServers }, bootstrap.length > 0)
  const listen = parseMultiaddrs('listen', listenOption).map((ma) => ma.toString())
  const base = realtimeLibp2pOptions(gossipsub)
  const libp2p = await createLibp2p({
    ...base,
    addresses: { listen: webrtc === undefined ? listen : [...listen, ...WEBRTC_LISTEN] },
    transports: await transports(webrtc),
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS
    },
    services: { ...base.services, rtmesh: rtmesh(realtime) }
  })
  if (webrtc !== undefined) releaseWebrtcOnStop(libp2p)
  try {
    return await createRealtimeNodeFromLibp2p(libp2p)
  } catch (err) {
    await libp2p.stop()
    throw err
  }
}
