/** Relay options: every field optional, validated once by `resolveRelayOptions`. */
import { InvalidOptionError } from '@rtmesh/core'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { Logger } from 'pino'
import * as c from './constants.ts'
import type { XdcApp } from './servers/xdc-archive.ts'

export interface RelayOptions {
  /** Address to listen on. Default `0.0.0.0`. */
  host?: string
  /** WebSockets port (`wss` when `tls` is set); 0 picks a free port. Default 4001. */
  port?: number
  /** TCP port for Node peers and other relays; 0 picks a free port; `false` turns TCP off. Default `port + 1` (0 when `port` is 0). */
  tcpPort?: number | false
  /** Public multiaddrs to announce instead of the listening ones (behind NAT or a proxy). */
  announce?: string[]
  /** Other relays to federate with (multiaddrs with `/p2p/<id>`); kept connected and trusted as relays. */
  peers?: string[]
  /** Peer ids of other relays to trust (they connect to us); see PROTOCOL.md, "Relay federation". */
  trustedRelays?: string[]
  /** Dial private (loopback, LAN) addresses that trusted relays announce. Default false: public addresses only. */
  allowPrivateFederation?: boolean
  /** The relay's identity; see `loadOrCreateKey`. Default: a new key each start. */
  privateKey?: PrivateKey
  /** PEM certificate and key: the WebSockets listener serves `wss`. */
  tls?: { cert: string | Uint8Array, key: string | Uint8Array }
  /** Admin HTTP server (`/healthz`, `/metrics`); `false` turns it off. Default 127.0.0.1:9464. */
  admin?: { host?: string, port?: number } | false
  /** Serve the demo chat page (`--demo`) on this address; default off. */
  demo?: { host?: string, port?: number } | false
  /**
   * A webxdc app (`readXdc` of a `.xdc` file) to serve on the demo address
   * instead of the demo chat: a host page that runs the node and the app in
   * a sandboxed frame (`--xdc`). Turns the demo address on.
   */
  xdc?: XdcApp
  maxConnections?: number
  maxConnectionsPerIp?: number
  inboundConnectionsPerSecond?: number
  maxReservations?: number
  relayDurationLimitMs?: number
  relayDataLimit?: bigint
  /** Channel frames one peer may send per second on average. Default 100. */
  messagesPerSecond?: number
  /** Frames one peer may send in a burst. Default 400. */
  messageBurst?: number
  /** How long a peer disconnected for misbehaving is refused. Default 60 s. */
  banMs?: number
  /** Sockets one address (IPv4, or IPv6 /64) may hold before they become libp2p connections. Default 32. */
  maxPendingConnectionsPerIp?: number
  /** An inbound socket not upgraded to a libp2p connection (TCP or WebSocket, Noise, Yamux) within this is closed. Default 10 s. */
  upgradeTimeoutMs?: number
  /** Circuit relay reservations one address (IPv4, or IPv6 /64) may hold. Default 64. */
  maxReservationsPerIp?: number
  /** Bans kept at once (peer ids and addresses). Default 10 000. */
  maxBans?: number
  /** Channel bytes one peer may send per second on average. Default 1 MiB. */
  bytesPerSecond?: number
  /** Channel bytes one peer may send in a burst. Default 4 MiB. */
  byteBurst?: number
  /** Channel topics one client peer can make the relay carry. Default 64. */
  maxChannelsPerPeer?: number
  /** Channel topics the relay carries in all. Default 2 000, at most 3 000 (`MAX_CHANNELS_LIMIT`). */
  maxChannels?: number
  /** Structured logger (pino). Default: JSON lines on stderr at level `info`. */
  logger?: Logger
}

export interface ResolvedRelayOptions {
  host: string
  port: number
  tcpPort: number | false
  announce: string[]
  peers: string[]
  trustedRelays: string[]
  allowPrivateFederation: boolean
  privateKey: PrivateKey | undefined
  tls: { cert: string | Uint8Array, key: string | Uint8Array } | undefined
  admin: { host: string, port: number } | false
  demo: { host: string, port: number } | false
  xdc: XdcApp | undefined
  maxConnections: number
  maxConnectionsPerIp: number
  inboundConnectionsPerSecond: number
  maxReservations: number
  relayDurationLimitMs: number
  relayDataLimit: bigint
  messagesPerSecond: number
  messageBurst: number
  banMs: number
  maxPendingConnectionsPerIp: number
  upgradeTimeoutMs: number
  maxReservationsPerIp: number
  maxBans: number
  bytesPerSecond: number
  byteBurst: number
  maxChannelsPerPeer: number
  maxChannels: number
}

function port (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new InvalidOptionError(option, 'must be a port number from 0 to 65535')
  }
  return value
}

function positive (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(option, 'must be a positive number')
  }
  return value
}

function atMost (option: string, value: number, max: number): number {
  if (value > max) throw new InvalidOptionError(option, `must be at most ${max}`)
  return value
}

/** A list option whose items `parse` normalizes (and throws on). */
function list (option: string, value: unknown, what: string, parse: (item: string) => string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new InvalidOptionError(option, `must be a list of ${what}s`)
  return value.map((item: unknown) => {
    try {
      if (typeof item !== 'string') throw new TypeError('not a string')
      return parse(item)
    } catch {
      throw new InvalidOptionError(option, `not a valid ${what}: ${String(item)}`)
    }
  })
}

const addrs = (option: string, value: unknown): string[] => list(option, value, 'multiaddr', (item) => multiaddr(item).toString())
const peerIds = (option: string, value: unknown): string[] => list(option, value, 'peer id', (item) => peerIdFromString(item).toString())

export function resolveRelayOptions (options: RelayOptions): ResolvedRelayOptions {
  const host = options.host ?? c.DEFAULT_HOST
  if (typeof host !== 'string' || host.length === 0) throw new InvalidOptionError('host', 'must be an IP address')
  const wsPort = port('port', options.port, c.DEFAULT_PORT)
  const tcpPort = options.tcpPort === false ? false : port('tcp-port', options.tcpPort, wsPort === 0 ? 0 : wsPort + 1)
  const admin = options.admin === false
    ? false
    : { host: options.admin?.host ?? c.DEFAULT_ADMIN_HOST, port: port('admin-port', options.admin?.port, c.DEFAULT_ADMIN_PORT) }
  const demoAt = options.demo === undefined || options.demo === false ? undefined : options.demo
  const demo = demoAt === undefined && options.xdc === undefined
    ? false
    : { host: demoAt?.host ?? host, port: port('demo-port', demoAt?.port, c.DEFAULT_DEMO_PORT) }
  const relayDataLimit = options.relayDataLimit ?? c.DEFAULT_RELAY_DATA_LIMIT
  if (typeof relayDataLimit !== 'bigint' || relayDataLimit <= 0n) throw new InvalidOptionError('relay-data-limit', 'must be a positive number of bytes')
  return {
    host,
    port: wsPort,
    tcpPort,
    announce: addrs('announce', options.announce),
    peers: addrs('peer', options.peers),
    trustedRelays: peerIds('trust-relay', options.trustedRelays),
    allowPrivateFederation: options.allowPrivateFederation === true,
    privateKey: options.privateKey,
    tls: options.tls,
    admin,
    demo,
    xdc: options.xdc,
    maxConnections: positive('max-connections', options.maxConnections, c.DEFAULT_MAX_CONNECTIONS),
    maxConnectionsPerIp: positive('max-connections-per-ip', options.maxConnectionsPerIp, c.DEFAULT_MAX_CONNECTIONS_PER_IP),
    inboundConnectionsPerSecond: positive('inbound-connections-per-second', options.inboundConnectionsPerSecond, c.DEFAULT_INBOUND_CONNECTIONS_PER_SECOND),
    maxReservations: positive('max-reservations', options.maxReservations, c.DEFAULT_MAX_RESERVATIONS),
    relayDurationLimitMs: positive('relay-duration-limit', options.relayDurationLimitMs, c.DEFAULT_RELAY_DURATION_LIMIT_MS),
    relayDataLimit,
    messagesPerSecond: positive('messages-per-second', options.messagesPerSecond, c.DEFAULT_MESSAGES_PER_SECOND),
    messageBurst: positive('message-burst', options.messageBurst, c.DEFAULT_MESSAGE_BURST),
    banMs: positive('ban', options.banMs, c.DEFAULT_BAN_MS),
    maxPendingConnectionsPerIp: positive('max-pending-connections-per-ip', options.maxPendingConnectionsPerIp, c.DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP),
    upgradeTimeoutMs: positive('upgrade-timeout', options.upgradeTimeoutMs, c.DEFAULT_UPGRADE_TIMEOUT_MS),
    maxReservationsPerIp: positive('max-reservations-per-ip', options.maxReservationsPerIp, c.DEFAULT_MAX_RESERVATIONS_PER_IP),
    maxBans: positive('max-bans', options.maxBans, c.DEFAULT_MAX_BANS),
    bytesPerSecond: positive('bytes-per-second', options.bytesPerSecond, c.DEFAULT_BYTES_PER_SECOND),
    byteBurst: positive('byte-burst', options.byteBurst, c.DEFAULT_BYTE_BURST),
    maxChannelsPerPeer: positive('max-channels-per-peer', options.maxChannelsPerPeer, c.DEFAULT_MAX_CHANNELS_PER_PEER),
    maxChannels: atMost('max-channels', positive('max-channels', options.maxChannels, c.DEFAULT_MAX_CHANNELS), c.MAX_CHANNELS_LIMIT)
  }
}
