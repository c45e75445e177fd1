/**
 * The fuzz target that is a running relay: a real `rtmesh-relay` process,
 * two members that can only talk through it, and attackers (bare libp2p
 * nodes, a fresh identity whenever the relay bans one) writing fuzzed bytes
 * on gossipsub streams to it.
 */
import { randomBytes } from 'node:crypto'
import type { Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createRealtimeNode, deriveChannel } from '@rtmesh/core'
import type { RealtimeNode } from '@rtmesh/core'
import { freePort, metricValue, prngFor, record, scrapeMetrics, sendUntilHeard, spawnRelay, startLibp2p, stopAll } from '@rtmesh/testkit'
import type { Prng } from '@rtmesh/testkit'
import { PUBSUB_PROTOCOLS } from '../src/defences/rpc-guard.ts'

/**
 * The relay's heap may not pass this after the attack: it idles at about
 * 20–30 MiB (measured), each connection costs under 0.5 MiB (README), and
 * the attack holds a handful of connections at once. Far above this means
 * something the attackers send is retained.
 */
const HEAP_BOUND = 128 * 1024 * 1024

export interface AttackReport {
  heapUsed: number
  heapBound: number
  /** Error and fatal lines the relay logged. */
  errors: string[]
  /** What happened, for the test's diagnostics. */
  lines: string[]
}

/** A bare libp2p node, not even identify: it only opens streams to the relay and writes to them. */
async function startAttacker (): Promise<Libp2p> {
  return await startLibp2p()
}

/** Runs the attack for `budgetMs`; `input` makes each write from the seeded PRNG and the carried topic. */
export async function attackRelay (budgetMs: number, input: (rng: Prng, topic: string) => Uint8Array): Promise<AttackReport> {
  const adminPort = await freePort()
  const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort)])
  const members: RealtimeNode[] = []
  let attacker: Libp2p | undefined
  try {
    for (let i = 0; i < 2; i++) members.push(await createRealtimeNode({ bootstrap: [relay.ws], directPeersPerChannel: 0 }))
    const identity = { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
    const { topic } = deriveChannel(identity)
    const [from, to] = members.map((m) => m.webxdc(identity).joinRealtimeChannel())
    if (from === undefined || to === undefined) throw new Error('unreachable')
    const got = record(to)
    await sendUntilHeard(from, got, 'before')
    const heapBefore = metricValue(await scrapeMetrics(adminPort), 'rtmesh_relay_nodejs_heap_size_used_bytes')

    const rng = prngFor('relay')
    const target = multiaddr(relay.tcp)
    const relayId = peerIdFromString(relay.peerId)
    let stream: Stream | undefined
    let writes = 0
    let attackers = 0
    let streams = 0
    const deadline = Date.now() + budgetMs
    while (Date.now() < deadline) {
      if (relay.child.exitCode !== null || relay.child.signalCode !== null) throw new Error(`the relay exited during the attack: ${relay.stderr()}`)
      // a stream the relay closed most likely means a ban: half the time take a new identity at once
      const died = stream !== undefined && stream.status !== 'open'
      if (attacker === undefined || attacker.getConnections(relayId).length === 0 || (died && rng.chance(0.5))) {
        await attacker?.stop()
        attacker = await startAttacker()
        attackers++
        stream = undefined
      }
      if (stream?.status !== 'open') {
        stream = await attacker.dialProtocol(target, rng.pick(PUBSUB_PROTOCOLS), { signal: AbortSignal.timeout(1_000) }).catch(() => undefined)
        if (stream === undefined) {
          await attacker.stop()
          attacker = undefined
          continue
        }
        streams++
      }
      try {
        if (!stream.send(input(rng, topic))) await stream.onDrain({ signal: AbortSignal.timeout(1_000) })
        writes++
      } catch {
        stream = undefined
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    await attacker?.stop()
    attacker = undefined

    if (relay.child.exitCode !== null || relay.child.signalCode !== null) throw new Error(`the relay exited: ${relay.stderr()}`)
    await sendUntilHeard(from, got, 'after')
    const text = await scrapeMetrics(adminPort)
    const heapUsed = metricValue(text, 'rtmesh_relay_nodejs_heap_size_used_bytes')
    const rss = metricValue(text, 'rtmesh_relay_process_resident_memory_bytes')
    const errors = relay.stderr().split('\n').filter((line) => /"level":(50|60)/.test(line))
    const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`
    return {
      heapUsed,
      heapBound: HEAP_BOUND,
      errors,
      lines: [
        `${writes} writes on ${streams} streams from ${attackers} attacker identities in ${budgetMs} ms`,
        `RPCs refused: malformed ${metricValue(text, 'rtmesh_relay_rpcs_refused_total', 'reason="malformed"')}, ` +
          `oversize ${metricValue(text, 'rtmesh_relay_rpcs_refused_total', 'reason="oversize"')}, ` +
          `framing ${metricValue(text, 'rtmesh_relay_rpcs_refused_total', 'reason="framing"')}; ` +
          `frames rejected ${metricValue(text, 'rtmesh_relay_frames_rejected_total')}; ` +
          `peers disconnected ${metricValue(text, 'rtmesh_relay_peers_disconnected_total')}`,
        `relay heap used ${mib(heapBefore)} before, ${mib(heapUsed)} after (bound ${mib(HEAP_BOUND)}); rss ${mib(rss)}`
      ]
    }
  } finally {
    await attacker?.stop()
    await stopAll(members)
    await relay.kill()
  }
}
