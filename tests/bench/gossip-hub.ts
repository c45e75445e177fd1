/**
 * The naive libp2p baseline: a node with `@libp2p/gossipsub` at its
 * defaults that subscribes to the benchmark topic and so forwards it.
 * Prints its multiaddr on stdout.
 */
import { LOOPBACK_TCP } from '@rtmesh/testkit'
import { naiveNode, BENCH_TOPIC } from './naive.ts'

const node = await naiveNode([LOOPBACK_TCP])
node.services.pubsub.subscribe(BENCH_TOPIC)
process.stdout.write(`${JSON.stringify({ addr: node.getMultiaddrs()[0]?.toString() })}\n`)
process.on('SIGTERM', () => { void Promise.resolve(node.stop()).then(() => process.exit(0)) })
