/**
 * The browser realtime node: WebSockets to relays, circuit relay to be
 * reachable and to signal, WebRTC for direct links between members.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createRealtimeNodeFromLibp2p, realtimeLibp2pOptions } from '@rtmesh/core/portable'
import type { RealtimeNode, RealtimeOptions } from '@rtmesh/core/portable'
import { createLibp2p } from 'libp2p'

export interface BrowserNodeOptions extends Omit<RealtimeOptions, 'bootstrap'> {
  /** Relay multiaddrs (`/dns4/…/tcp/443/wss/p2p/…`, or `ws://` on a local network). */
  relays: string[]
  /**
   * ICE servers for WebRTC. Default none: direct links use host candidates
   * only (same network); give STUN/TURN servers to cross NATs.
   */
  iceServers?: RTCIceServer[]
}

export async function createBrowserNode (options: BrowserNodeOptions): Promise<RealtimeNode> {
  const { relays, iceServers = [], ...realtime } = options
  const libp2p = await createLibp2p({
    ...realtimeLibp2pOptions(),
    addresses: {
      // reserve a slot on the relays (reachable at /p2p-circuit) and accept WebRTC through it
      listen: ['/p2p-circuit', '/webrtc']
    },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers } }),
      circuitRelayTransport()
    ],
    // Relays may be on ws:// and private addresses (local networks, tests);
    // the browser's own mixed-content rules still apply to pages on https.
    connectionGater: { denyDialMultiaddr: () => false }
  })
  try {
    return await createRealtimeNodeFromLibp2p(libp2p, { ...realtime, bootstrap: relays })
  } catch (err) {
    await libp2p.stop()
    throw err
  }
}
