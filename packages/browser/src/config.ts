/**
 * Configuration of `webxdc.js`: from `globalThis.rtmeshConfig`, or from the
 * page URL's fragment (`#relay=…&secret=…&chat=…&app=…&name=…`), which never
 * reaches a server.
 */
import { InvalidOptionError } from '@rtmesh/core/portable'

export interface WebxdcConfig {
  /** Relay multiaddrs to connect through (at least one). */
  relays: string[]
  /** The chat's shared secret: 32 random bytes, or a passphrase string of at least 16 bytes (stretched with scrypt; see @rtmesh/core). */
  secret: Uint8Array | string
  chatId: string
  appId: string
  /** `window.webxdc.selfAddr` when the page has no webxdc object. Default: random. */
  selfAddr?: string
  /** `window.webxdc.selfName`. Default: `selfAddr`. */
  selfName?: string
  /** WebRTC ICE servers (STUN/TURN). Default none. */
  iceServers?: RTCIceServer[]
}

/** Reads the fragment parameters; `relay` may repeat or be comma-separated. */
export function configFromFragment (hash: string): WebxdcConfig | undefined {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash)
  const relays = params.getAll('relay').flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r.length > 0)
  const secret = params.get('secret')
  const chatId = params.get('chat')
  const appId = params.get('app')
  if (relays.length === 0 && secret === null) return undefined
  if (secret === null || chatId === null || appId === null) {
    throw new InvalidOptionError('fragment', 'needs relay, secret, chat and app parameters')
  }
  const name = params.get('name') ?? undefined
  const addr = params.get('addr') ?? undefined
  return { relays, secret, chatId, appId, ...(name === undefined ? {} : { selfName: name }), ...(addr === undefined ? {} : { selfAddr: addr }) }
}

export function checkConfig (config: WebxdcConfig): void {
  if (typeof (config as unknown) !== 'object') throw new InvalidOptionError('config', 'expected an object')
  if (!Array.isArray(config.relays) || config.relays.length === 0) {
    throw new InvalidOptionError('relays', 'needs at least one relay multiaddr')
  }
}
