/**
 * `createRelay`: a bootstrap and circuit-relay node for rtmesh channels.
 */
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { BootstrapKeeper, isChannelTopic, peerIdOf, realtimeLibp2pOptions } from '@rtmesh/core'
import { createLibp2p } from 'libp2p'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { startAdminServer } from './servers/admin.ts'
import { startDemoServer } from './servers/demo.ts'
import { startXdcServer } from './servers/xdc.ts'
import type { HttpServer } from './servers/http.ts'
import { ChannelCarrier } from './channels/carrier.ts'
import { FLOOD_DISCONNECT_DROPS, RELAY_PROTOCOL } from './constants.ts'
import { Federation } from './federation/federation.ts'
import { ConnectionDefences } from './defences/defences.ts'
import type { PendingConnections } from './defences/pending.ts'
import { RelayMetrics } from './metrics.ts'
import { resolveRelayOptions } from './options.ts'
import { MAX_RPC_BYTES, RpcGuard } from './defences/rpc-guard.ts'
import { RelayTrust } from './federation/trust.ts'
import { libp2pLogger } from './quiet-logger.ts'
import type { RelayOptions, ResolvedRelayOptions } from './options.ts'

export type RelayLibp2p = Libp2p<{ pubsub: GossipSub, relay: CircuitRelayService, identify: Identify, pending: PendingConnections }>

export interface Relay {
  /** The relay's peer id. */
  readonly peerId: string
  /** Where clients reach it (announced addresses if given), each ending in `/p2p/<peerId>`. */
  readonly multiaddrs: string[]
  /** The admin server's base URL, or undefined when it is off. */
  readonly adminUrl: string | undefined
  /** The demo page's URL, or undefined when it is off. */
  readonly demoUrl: string | undefined
  /** The `--xdc` host page's URL (opening it starts a fresh chat), or undefined. */
  readonly xdcUrl: string | undefined
  /** The underlying libp2p node. */
  readonly libp2p: RelayLibp2p
  /** Logs and counts an error that escaped every handler (the CLI's process-level safety net). */
  reportError: (where: string, err: unknown) => void
  /** Closes every connection and server. Idempotent. */
  stop: () => Promise<void>
}

function listenAddrs (o: ResolvedRelayOptions): string[] {
  const ip = o.host.includes(':') ? 'ip6' : 'ip4'
  const addrs = [`/${ip}/${o.host}/tcp/${o.port}/${o.tls === undefined ? 'ws' : 'tls/ws'}`]
  if (o.tcpPort !== false) addrs.push(`/${ip}/${o.host}/tcp/${o.tcpPort}`)
  return addrs
}

/**
 * Creates and starts a relay.
 *
 * @example
 * ```ts
 * const relay = await createRelay({ host: '127.0.0.1', port: 0, privateKey: await loadOrCreateKey('relay.key') })
 * console.log(relay.multiaddrs)
 * await relay.stop()
 * ```
 */
export async function createRelay (options: RelayOptions = {}): Promise<Relay> {
  const o = resolveRelayOptions(options)
  const log: Logger = options.logger ?? pino({ level: 'info' }, pino.destination(2))
  const listen = listenAddrs(o)

  const defences = new ConnectionDefences(o)
  const { guard } = defences
  // the key also signs federation announcements
  const privateKey = o.privateKey ?? await generateKeyPair('Ed25519')
  // A relay is every local member's mesh peer: it grafts all of them (Dhi as
  // large as its connection limit), since with no history gossip a subscriber
  // outside the mesh would miss frames. Gossipsub reads RPCs up to the size
  // the RPC guard checks (MAX_RPC_BYTES).
  const base = realtimeLibp2pOptions({ D: 8, Dlo: 4, Dhi: o.maxConnections, Dscore: 4, Dout: 2, maxInboundDataLength: MAX_RPC_BYTES })
  const libp2p: RelayLibp2p = await createLibp2p({
    ...base,
    privateKey,
    // one shared no-op logger unless DEBUG asks for libp2p's logs (quiet-logger.ts)
    logger: libp2pLogger(),
    addresses: { listen, announce: o.announce },
    transports: defences.transports(),
    connectionGater: guard.gater(),
    connectionManager: defences.connectionManager(),
    services: {
      ...base.services,
      relay: defences.relayServer(),
      pending: defences.pendingService()
    }
  })
  guard.bind(libp2p)
  await libp2p.handle(RELAY_PROTOCOL, (stream) => { void stream.close() }, { runOnLimitedConnection: false })

  const trust = new RelayTrust(libp2p.peerId.toString(), [
    ...o.peers.map((p) => peerIdOf(multiaddr(p))).filter((id): id is string => id !== undefined),
    ...o.trustedRelays
  ])
  const isRelay = (peer: PeerId | string): boolean => trust.isRelay(peer)

  const channelCount = (): number => libp2p.services.pubsub.getTopics().filter(isChannelTopic).length
  const metrics = new RelayMetrics({
    connections: () => libp2p.getConnections().length,
    reservations: () => libp2p.services.relay.reservations.size,
    channels: channelCount,
    pendingConnections: () => defences.pendingCount(),
    bans: (kind) => guard.banCount(kind)
  })
  defences.start(libp2p, metrics, log)
  const rpcGuard = new RpcGuard({ libp2p, guard, metrics, log, maxRpcBytes: MAX_RPC_BYTES })
  rpcGuard.start()
  const carrier = new ChannelCarrier({
    libp2p, guard, metrics, log, isRelay,
    limits: {
      rate: o.messagesPerSecond,
      burst: o.messageBurst,
      byteRate: o.bytesPerSecond,
      byteBurst: o.byteBurst,
      floodDrops: FLOOD_DISCONNECT_DROPS
    },
    maxChannelsPerPeer: o.maxChannelsPerPeer,
    maxChannels: o.maxChannels
  })
  const federation = new Federation({ libp2p, privateKey, trust, allowPrivate: o.allowPrivateFederation, metrics, log })
  const keeper = new BootstrapKeeper(libp2p, o.peers.map((p) => multiaddr(p)), libp2p.logger.forComponent('rtmesh:relay'))
  carrier.start()
  federation.start()
  keeper.start()

  let admin: HttpServer | undefined
  let demo: HttpServer | undefined
  try {
    if (o.demo !== false) {
      const self = (): { peerId: string, multiaddrs: string[] } => ({ peerId: libp2p.peerId.toString(), multiaddrs: libp2p.getMultiaddrs().map(String) })
      demo = o.xdc === undefined ? await startDemoServer(o.demo.host, o.demo.port, self) : await startXdcServer(o.demo.host, o.demo.port, o.xdc, self)
    }
    if (o.admin !== false) {
      admin = await startAdminServer(o.admin.host, o.admin.port, metrics, () => ({
        peerId: libp2p.peerId.toString(),
        connections: libp2p.getConnections().length,
        reservations: libp2p.services.relay.reservations.size,
        channels: channelCount()
      }))
    }
  } catch (err) {
    await demo?.close()
    keeper.stop()
    federation.stop()
    carrier.stop()
    await libp2p.stop()
    throw err
  }

  let stopping: Promise<void> | undefined
  const relay: Relay = {
    peerId: libp2p.peerId.toString(),
    get multiaddrs () { return libp2p.getMultiaddrs().map(String) },
    adminUrl: admin?.url,
    demoUrl: o.xdc === undefined ? demo?.url : undefined,
    xdcUrl: o.xdc === undefined ? undefined : demo?.url,
    libp2p,
    reportError: (where, err) => {
      metrics.listenerErrors.inc({ where })
      log.error({ err, where }, 'uncaught error (a bug: please report it)')
    },
    stop: async () => {
      stopping ??= (async () => {
        keeper.stop()
        federation.stop()
        carrier.stop()
        rpcGuard.stop()
        defences.stop()
        await Promise.all([admin?.close(), demo?.close(), libp2p.stop()])
      })()
      await stopping
    }
  }
  log.info({ peerId: relay.peerId, multiaddrs: relay.multiaddrs, admin: admin?.url, demo: demo?.url }, 'relay started')
  return relay
}
