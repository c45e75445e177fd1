/**
 * The command line: flags and `RTMESH_…` environment variables parsed into
 * `createRelay` options (`parseCommand`), and the `--help` text. Pure: reads
 * no files, starts nothing.
 */
import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import * as c from '../constants.ts'
import type { RelayOptions } from '../options.ts'

export const NAME = 'rtmesh-relay'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** A mistake in the command line or environment: exit code 2. */
export class UsageError extends Error {
  static readonly NAME = 'UsageError'
  override name = UsageError.NAME
}

export const HELP = `Usage: ${NAME} [options]

Runs an rtmesh relay: WebSockets and TCP listeners, a circuit relay for
browsers, and channel forwarding without channel keys.

Options (environment variable in brackets):
  --host <ip>                     address to listen on [RTMESH_HOST] (default ${c.DEFAULT_HOST})
  --port <n>                      WebSockets port, 0 = any free port [RTMESH_PORT] (default ${c.DEFAULT_PORT})
  --tcp-port <n>                  TCP port for Node peers and relays [RTMESH_TCP_PORT] (default port+1)
  --no-tcp                        do not listen on TCP [RTMESH_NO_TCP=1]
  --announce <multiaddr>          public address to announce, repeatable [RTMESH_ANNOUNCE, comma-separated]
  --peer <multiaddr>              relay to federate with and trust, repeatable [RTMESH_PEER, comma-separated]
  --trust-relay <peer-id>         trust a relay that connects to us, repeatable [RTMESH_TRUST_RELAY, comma-separated]
  --allow-private-federation      dial private addresses trusted relays announce [RTMESH_ALLOW_PRIVATE_FEDERATION=1]
  --key-file <path>               identity key, created (mode 0600) if missing [RTMESH_KEY_FILE]
  --tls-cert <path>               PEM certificate: serve wss:// [RTMESH_TLS_CERT]
  --tls-key <path>                PEM private key for --tls-cert [RTMESH_TLS_KEY]
  --admin-host <ip>               /healthz and /metrics address [RTMESH_ADMIN_HOST] (default ${c.DEFAULT_ADMIN_HOST})
  --admin-port <n>                /healthz and /metrics port [RTMESH_ADMIN_PORT] (default ${c.DEFAULT_ADMIN_PORT})
  --no-admin                      no admin server [RTMESH_NO_ADMIN=1]
  --demo                          serve the demo chat page [RTMESH_DEMO=1]
  --demo-port <n>                 demo page port, on --host [RTMESH_DEMO_PORT] (default ${c.DEFAULT_DEMO_PORT})
  --xdc <file.xdc>                serve this webxdc app on the demo port instead of the demo chat: a host page
                                  runs the mesh, the app runs sandboxed without network; open the printed URL
                                  to start a chat, share the URL (fragment included) to invite [RTMESH_XDC]
  --max-connections <n>           [RTMESH_MAX_CONNECTIONS] (default ${c.DEFAULT_MAX_CONNECTIONS})
  --max-connections-per-ip <n>    [RTMESH_MAX_CONNECTIONS_PER_IP] (default ${c.DEFAULT_MAX_CONNECTIONS_PER_IP})
  --max-reservations <n>          circuit relay slots [RTMESH_MAX_RESERVATIONS] (default ${c.DEFAULT_MAX_RESERVATIONS})
  --max-reservations-per-ip <n>   circuit relay slots one address (IPv4, IPv6 /64) may hold [RTMESH_MAX_RESERVATIONS_PER_IP] (default ${c.DEFAULT_MAX_RESERVATIONS_PER_IP})
  --relay-duration-limit <s>      a relayed connection is reset after this long [RTMESH_RELAY_DURATION_LIMIT] (default ${c.DEFAULT_RELAY_DURATION_LIMIT_MS / 1_000})
  --relay-data-limit <bytes>      ... or after this many bytes [RTMESH_RELAY_DATA_LIMIT] (default ${c.DEFAULT_RELAY_DATA_LIMIT})
  --max-pending-connections-per-ip <n>
                                  sockets one address may hold before they are libp2p connections [RTMESH_MAX_PENDING_CONNECTIONS_PER_IP] (default ${c.DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP})
  --upgrade-timeout <s>           a socket not a libp2p connection by then (WebSocket upgrade, Noise, Yamux) is closed [RTMESH_UPGRADE_TIMEOUT] (default ${c.DEFAULT_UPGRADE_TIMEOUT_MS / 1_000})
  --max-bans <n>                  bans kept at once (peer ids and addresses) [RTMESH_MAX_BANS] (default ${c.DEFAULT_MAX_BANS})
  --messages-per-second <n>       channel frames per peer per second [RTMESH_MESSAGES_PER_SECOND] (default ${c.DEFAULT_MESSAGES_PER_SECOND})
  --message-burst <n>             frames per peer in a burst [RTMESH_MESSAGE_BURST] (default ${c.DEFAULT_MESSAGE_BURST})
  --bytes-per-second <n>          channel bytes per peer per second [RTMESH_BYTES_PER_SECOND] (default ${c.DEFAULT_BYTES_PER_SECOND})
  --byte-burst <n>                channel bytes per peer in a burst [RTMESH_BYTE_BURST] (default ${c.DEFAULT_BYTE_BURST})
  --max-channels-per-peer <n>     channels one client can make the relay carry [RTMESH_MAX_CHANNELS_PER_PEER] (default ${c.DEFAULT_MAX_CHANNELS_PER_PEER})
  --max-channels <n>              channels the relay carries in all, at most ${c.MAX_CHANNELS_LIMIT} [RTMESH_MAX_CHANNELS] (default ${c.DEFAULT_MAX_CHANNELS})
  --log-level <level>             ${LOG_LEVELS.join(', ')} [RTMESH_LOG_LEVEL] (default info)
  --json                          print one JSON line {"peerId","multiaddrs"} on stdout when ready (with --xdc, "xdcUrl" too)
  --help                          show this help
  --version                       show the version

Logs are JSON lines on stderr. SIGINT or SIGTERM stops the relay gracefully.
V8 runs with --optimize-for-size --semi-space-growth-factor=1: about a fifth of
the memory per idle client, more CPU for garbage collection under heavy traffic.
To keep V8's own heap settings, start it with NODE_OPTIONS=--max-semi-space-size=16.
Example: ${NAME} --host 127.0.0.1 --port 0 --json
`

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, 'tcp-port': { type: 'string' }, 'no-tcp': { type: 'boolean' },
  announce: { type: 'string', multiple: true }, peer: { type: 'string', multiple: true }, 'key-file': { type: 'string' },
  'trust-relay': { type: 'string', multiple: true }, 'allow-private-federation': { type: 'boolean' },
  'bytes-per-second': { type: 'string' }, 'byte-burst': { type: 'string' },
  'max-channels-per-peer': { type: 'string' }, 'max-channels': { type: 'string' },
  'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'admin-host': { type: 'string' },
  'admin-port': { type: 'string' }, 'no-admin': { type: 'boolean' },
  demo: { type: 'boolean' }, 'demo-port': { type: 'string' }, xdc: { type: 'string' }, 'max-connections': { type: 'string' },
  'max-connections-per-ip': { type: 'string' }, 'max-reservations': { type: 'string' },
  'max-reservations-per-ip': { type: 'string' }, 'relay-duration-limit': { type: 'string' }, 'relay-data-limit': { type: 'string' },
  'max-pending-connections-per-ip': { type: 'string' }, 'upgrade-timeout': { type: 'string' }, 'max-bans': { type: 'string' },
  'messages-per-second': { type: 'string' }, 'message-burst': { type: 'string' }, 'log-level': { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean' }, version: { type: 'boolean' }
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS, strict: true }>>['values']

function envName (flag: string): string {
  return `RTMESH_${flag.toUpperCase().replaceAll('-', '_')}`
}

export interface Command {
  help: boolean
  version: boolean
  json: boolean
  logLevel: string
  keyFile: string | undefined
  tlsCert: string | undefined
  tlsKey: string | undefined
  /** The `.xdc` file to serve (`--xdc`), read by the caller. */
  xdcFile: string | undefined
  options: Omit<RelayOptions, 'privateKey' | 'tls' | 'logger' | 'xdc'>
}

/** Parses argv and environment; throws `UsageError`. Pure: reads no files. */
export function parseCommand (argv: string[], env: Record<string, string | undefined>): Command {
  let values: Values
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments')
  }
  const str = (flag: keyof typeof FLAGS): string | undefined => {
    const value = values[flag]
    if (typeof value === 'string') return value
    const fromEnv = env[envName(flag)]
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
  }
  const bool = (flag: keyof typeof FLAGS): boolean => values[flag] === true || ['1', 'true', 'yes'].includes(env[envName(flag)] ?? '')
  const list = (flag: 'announce' | 'peer' | 'trust-relay'): string[] | undefined => {
    const value = values[flag]
    if (value !== undefined) return value
    return env[envName(flag)]?.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  }
  const int = (flag: keyof typeof FLAGS, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const value = str(flag)
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`--${flag}: expected a whole number up to ${max}, got "${value}"`)
    return Number(value)
  }
  const ip = (flag: 'host' | 'admin-host'): string | undefined => {
    const value = str(flag)
    if (value !== undefined && isIP(value) === 0) throw new UsageError(`--${flag}: expected an IP address, got "${value}"`)
    return value
  }

  const logLevel = str('log-level') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  const tlsCert = str('tls-cert')
  const tlsKey = str('tls-key')
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new UsageError(tlsCert === undefined ? '--tls-cert: required with --tls-key' : '--tls-key: required with --tls-cert')
  }
  const port = int('port', 65_535)
  const tcpPort = bool('no-tcp') ? false : int('tcp-port', 65_535)
  const adminHost = ip('admin-host')
  const adminPort = int('admin-port', 65_535)
  const options: Command['options'] = {
    ...defined({ host: ip('host'), port, tcpPort }),
    admin: bool('no-admin') ? false : defined({ host: adminHost, port: adminPort }),
    allowPrivateFederation: bool('allow-private-federation'),
    demo: bool('demo') || str('xdc') !== undefined ? defined({ port: int('demo-port', 65_535) }) : false,
    ...defined({
      announce: list('announce'),
      peers: list('peer'),
      trustedRelays: list('trust-relay'),
      bytesPerSecond: positiveInt('bytes-per-second', int('bytes-per-second')),
      byteBurst: positiveInt('byte-burst', int('byte-burst')),
      maxChannelsPerPeer: positiveInt('max-channels-per-peer', int('max-channels-per-peer')),
      maxChannels: positiveInt('max-channels', int('max-channels')),
      maxConnections: positiveInt('max-connections', int('max-connections')),
      maxConnectionsPerIp: positiveInt('max-connections-per-ip', int('max-connections-per-ip')),
      maxReservations: positiveInt('max-reservations', int('max-reservations')),
      maxReservationsPerIp: positiveInt('max-reservations-per-ip', int('max-reservations-per-ip')),
      relayDurationLimitMs: seconds('relay-duration-limit', positiveInt('relay-duration-limit', int('relay-duration-limit'))),
      relayDataLimit: bytes(positiveInt('relay-data-limit', int('relay-data-limit'))),
      maxPendingConnectionsPerIp: positiveInt('max-pending-connections-per-ip', int('max-pending-connections-per-ip')),
      upgradeTimeoutMs: seconds('upgrade-timeout', positiveInt('upgrade-timeout', int('upgrade-timeout'))),
      maxBans: positiveInt('max-bans', int('max-bans')),
      messagesPerSecond: positiveInt('messages-per-second', int('messages-per-second')),
      messageBurst: positiveInt('message-burst', int('message-burst'))
    })
  }
  return {
    help: values.help === true,
    version: values.version === true,
    json: values.json === true,
    logLevel,
    keyFile: str('key-file'),
    tlsCert,
    tlsKey,
    xdcFile: str('xdc'),
    options
  }
}

/** Whole seconds on the command line, milliseconds in the options (at most a day: longer is a typo). */
function seconds (flag: string, value: number | undefined): number | undefined {
  if (value !== undefined && value > 86_400) throw new UsageError(`--${flag}: at most 86400 seconds, got ${value}`)
  return value === undefined ? undefined : value * 1_000
}

function bytes (value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(value)
}

function positiveInt (flag: string, value: number | undefined): number | undefined {
  if (value === 0) throw new UsageError(`--${flag}: must be at least 1`)
  return value
}

export function defined<T extends Record<string, unknown>> (object: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> }
}

