/**
 * @packageDocumentation
 *
 * `@rtmesh/testkit`: what the tests of every rtmesh package and the
 * multi-node tests in `tests/` share. Waiting for conditions, payload
 * helpers, rtmesh nodes on loopback, libp2p nodes outside rtmesh (attackers,
 * baselines), gossipsub internals, loopback ports, the `rtmesh-relay`
 * command as a child process and its metrics, channel members who met
 * through relays. Private to the workspace and run from source (Node's type
 * stripping, `--conditions=development`).
 *
 * @example
 * ```ts
 * import { connect, record, sendUntilHeard, startNodes, stopAll } from '@rtmesh/testkit'
 *
 * const [a, b] = await startNodes(2)
 * await connect(a, b)
 * const identity = { secret: new Uint8Array(32), chatId: 'chat', appId: 'app' }
 * const got = record(b.webxdc(identity).joinRealtimeChannel())
 * await sendUntilHeard(a.webxdc(identity).joinRealtimeChannel(), got, 'hello')
 * await stopAll([a, b])
 * ```
 */
export { WaitTimeoutError } from './errors.ts'
export { POLL_INTERVAL_MS, WAIT_TIMEOUT_MS, sleep, waitFor, waitForValue } from './wait.ts'
export { bytes, record, sendUntilHeard, text } from './data.ts'
export { LOOPBACK_TCP, connect, firstAddr, startNodes, stopAll } from './nodes.ts'
export { startLibp2p, startRawNode } from './libp2p.ts'
export type { Libp2pNodeOptions, RawNode, RawNodeOptions } from './libp2p.ts'
export { internals, waitForMesh } from './gossipsub.ts'
export type { GossipSubInternals } from './gossipsub.ts'
export { closeServer, freePort, holdPort, listenOnLoopback } from './ports.ts'
export { RELAY_BIN, runRelay, spawnRelay } from './relay-process.ts'
export type { RelayProcess } from './relay-process.ts'
export { joinOnRelay, joinOnRelays, randomIdentity, stopMembers } from './relay-members.ts'
export type { RelayAddress, RelayMembers } from './relay-members.ts'
export { metricValue, readMetric, scrapeMetrics } from './metrics.ts'
export { FUZZ_ITERATIONS, FUZZ_MS, FUZZ_SEED, Prng, concat, fullHex, fuzzInput, fuzzLoop, hex, mustNotThrow, mutate, prngFor } from './fuzz.ts'
export { docExample, runDocExample } from './docs.ts'
export type { ExampleRun } from './docs.ts'
export { makeXdc } from './xdc.ts'
