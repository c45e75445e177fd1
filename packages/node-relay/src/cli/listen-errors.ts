/**
 * A listener that could not bind at startup, turned into a `ListenError`
 * naming the command-line flag that sets its address.
 *
 * The admin and demo servers fail with Node's system error (`code`,
 * `address`, `port`). libp2p's listeners (WebSockets on --port, TCP on
 * --tcp-port) fail with an `UnsupportedListenAddressesError` whose message is
 * the only record of which address failed and why (one `<multiaddr>: <error>`
 * line each), so that text is read here, at the boundary, and nowhere else.
 */
import { ListenError } from '../errors.ts'
import type { ListenErrorCode, ListenFlag } from '../errors.ts'
import { resolveRelayOptions } from '../options.ts'
import type { RelayOptions, ResolvedRelayOptions } from '../options.ts'

const CODES: readonly ListenErrorCode[] = ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']
/** `name` of libp2p's error when a configured listen address failed. */
const LIBP2P_LISTEN_ERROR = 'UnsupportedListenAddressesError'
/** One failed address in that error's message: `  /ip4/127.0.0.1/tcp/4001/ws: Error: listen EADDRINUSE: …`. */
const LIBP2P_LINE = /^\s*\/ip[46]\/([^/\s]+)\/tcp\/(\d+)(\/\S*)?: (.*)$/

interface SystemListenError extends Error {
  code: ListenErrorCode
  address: string
  port: number
}

type Listens = Pick<ResolvedRelayOptions, 'admin' | 'demo'>

/** The `ListenError` that `err` (thrown by `createRelay(options)`) amounts to, if any. */
export function toListenError (err: unknown, options: RelayOptions): ListenError | undefined {
  if (!(err instanceof Error)) return undefined
  let listens: Listens
  try {
    listens = resolveRelayOptions(options)
  } catch {
    return undefined
  }
  if (isSystemListenError(err)) return fromServer(err, listens)
  if (err.name === LIBP2P_LISTEN_ERROR) return fromLibp2p(err)
  return undefined
}

function isSystemListenError (err: Error): err is SystemListenError {
  const e = err as Partial<SystemListenError> & { syscall?: unknown }
  return e.syscall === 'listen' && CODES.includes(e.code as ListenErrorCode) &&
    typeof e.address === 'string' && typeof e.port === 'number'
}

/** The demo and admin servers, in the order the relay starts them. */
function fromServer (err: SystemListenError, listens: Listens): ListenError | undefined {
  const servers: Array<[ListenFlag, ListenFlag, Listens['demo']]> = [
    ['demo-port', 'host', listens.demo],
    ['admin-port', 'admin-host', listens.admin]
  ]
  for (const [portFlag, hostFlag, server] of servers) {
    if (server === false || server.port !== err.port) continue
    return new ListenError(err.code === 'EADDRNOTAVAIL' ? hostFlag : portFlag, hostPort(err.address, err.port), err.code, { cause: err })
  }
  return undefined
}

/** The first failed address of libp2p's listeners (WebSockets first). */
function fromLibp2p (err: Error): ListenError | undefined {
  for (const line of err.message.split('\n')) {
    const match = LIBP2P_LINE.exec(line)
    if (match === null) continue
    const [, host = '', port = '', rest = '', reason = ''] = match
    const code = CODES.find((c) => reason.includes(c))
    if (code === undefined) continue
    const flag: ListenFlag = code === 'EADDRNOTAVAIL' ? 'host' : rest.endsWith('/ws') ? 'port' : 'tcp-port'
    return new ListenError(flag, hostPort(host, Number(port)), code, { cause: err })
  }
  return undefined
}

function hostPort (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
