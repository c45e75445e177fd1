/** Named errors of the relay. */

/** The key file could not be read, parsed or created. */
export class KeyFileError extends Error {
  static readonly NAME = 'KeyFileError'
  override name = KeyFileError.NAME
  readonly path: string
  constructor (path: string, message: string) {
    super(`${path}: ${message}`)
    this.path = path
  }
}

/** A TLS certificate or key file could not be read. */
export class TlsFileError extends Error {
  static readonly NAME = 'TlsFileError'
  override name = TlsFileError.NAME
  readonly option: 'tls-cert' | 'tls-key'
  constructor (option: 'tls-cert' | 'tls-key', message: string) {
    super(`--${option}: ${message}`)
    this.option = option
  }
}

/** The command-line flags that set an address the relay listens on. */
export type ListenFlag = 'port' | 'tcp-port' | 'admin-port' | 'demo-port' | 'host' | 'admin-host'

/** Why a listener could not bind (the operating system's error code). */
export type ListenErrorCode = 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL'

/**
 * A listener could not bind its address: the port is in use (another relay
 * on this host?) or needs privileges, or the address is not this host's.
 * `flag` is the option that sets it; the message names it and what to do.
 */
export class ListenError extends Error {
  static readonly NAME = 'ListenError'
  override name = ListenError.NAME
  readonly flag: ListenFlag
  /** `host:port` that could not be listened on. */
  readonly address: string
  readonly code: ListenErrorCode
  constructor (flag: ListenFlag, address: string, code: ListenErrorCode, options?: ErrorOptions) {
    super(`--${flag}: ${listenProblem(flag, address, code)}`, options)
    this.flag = flag
    this.address = address
    this.code = code
  }
}

const LISTEN_HINTS: Record<ListenFlag, string> = {
  port: 'choose another with --port (0 = any free port)',
  'tcp-port': 'choose another with --tcp-port, or turn TCP off with --no-tcp',
  'admin-port': 'choose another with --admin-port, or turn the admin server off with --no-admin',
  'demo-port': 'choose another with --demo-port',
  host: 'give an address of this host with --host',
  'admin-host': 'give an address of this host with --admin-host'
}

function listenProblem (flag: ListenFlag, address: string, code: ListenErrorCode): string {
  const problem = code === 'EADDRINUSE'
    ? `${address} is already in use (another relay on this host?)`
    : code === 'EACCES'
      ? `no permission to listen on ${address} (ports below 1024 need privileges)`
      : `cannot listen on ${address}: not an address of this host`
  return `${problem}; ${LISTEN_HINTS[flag]}`
}

/** A `.xdc` file (a zip of a webxdc app) could not be read or is not an app. */
export class XdcFileError extends Error {
  static readonly NAME = 'XdcFileError'
  override name = XdcFileError.NAME
  constructor (message: string) {
    super(`--xdc: ${message}`)
  }
}
