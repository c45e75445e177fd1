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
