/**
 * @packageDocumentation
 *
 * `@rtmesh/node-relay`: the bootstrap and circuit-relay node of rtmesh.
 * Browsers and Node peers connect to relays over WebSockets (or TCP), reserve
 * a circuit-relay slot to be reachable and to signal WebRTC, and exchange
 * channel frames through the relay until they are directly connected. A
 * relay carries channel topics without ever holding a channel key.
 *
 * @example
 * ```ts
 * import { join } from 'node:path'
 * import { tmpdir } from 'node:os'
 * import { createRelay, loadOrCreateKey } from '@rtmesh/node-relay'
 *
 * // the key file keeps the relay's peer id (and so its address) across restarts
 * const privateKey = await loadOrCreateKey(join(tmpdir(), 'rtmesh-example-relay.key'))
 * const relay = await createRelay({ host: '127.0.0.1', port: 0, privateKey })
 * console.log(relay.peerId, relay.multiaddrs)
 * await relay.stop()
 * ```
 */
export { createRelay } from './relay.ts'
export type { Relay, RelayLibp2p } from './relay.ts'
export type { RelayOptions } from './options.ts'
export { loadOrCreateKey } from './identity.ts'
export { KeyFileError, TlsFileError } from './errors.ts'
export { RELAY_PROTOCOL, FEDERATION_TOPIC } from './constants.ts'
