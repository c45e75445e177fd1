/**
 * A benchmark peer process: hosts several clients of one system (rtmesh,
 * ws hub, naive gossipsub), sends on command and reports latencies.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { hexToBytes } from '@noble/hashes/utils.js'
import { createRealtimeNode } from '@rtmesh/core'
import type { RealtimeNode } from '@rtmesh/core'
import WebSocket from 'ws'
import { ownCpuMicros } from './cpu.ts'
import { decodePayload, encodePayload } from '../net/protocol.ts'
import { BENCH_TOPIC, naiveNode } from './naive.ts'

export type System = 'rtmesh-relay' | 'rtmesh-direct' | 'ws-hub' | 'gossipsub-naive'

export type BenchCommand =
  | { t: 'start', system: System, names: string[], target: string, secretHex: string }
  | { t: 'join', name: string }
  | { t: 'traffic', rate: number, size: number, untilMs: number }
  | { t: 'stop' }

/**
 * What a peer process measured: latencies of its deliveries, counts, late
 * joins' time to a first message, and its CPU time (µs) from the traffic
 * command to the stop command.
 */
export interface BenchReport { t: 'report', latencies: number[], received: number, sent: number, duplicates: number, joins: number[], cpuMicros: number }

interface Client { late: boolean, name: string, send: (data: Uint8Array) => void, stop: () => Promise<void>, seen: Set<string>, joinedAt: number, firstAt: number | undefined }

const clients: Client[] = []
let latencies: number[] = []
let received = 0
let duplicates = 0
let sent = 0
/** Wall-clock milliseconds with sub-millisecond resolution (latencies of ~1 ms are compared). */
function nowMs (): number { return performance.timeOrigin + performance.now() }

let cpuAtTraffic: number | undefined

function onData (client: Client, data: Uint8Array): void {
  const decoded = decodePayload(data)
  if (decoded === undefined) return
  if (client.seen.has(decoded.id)) { duplicates++; return }
  client.seen.add(decoded.id)
  client.firstAt ??= Date.now()
  received++
  latencies.push(nowMs() - decoded.sentAt)
}

async function startClient (system: System, name: string, target: string, secretHex: string): Promise<Client> {
  const client: Client = { late: false, name, send: () => {}, stop: async () => {}, seen: new Set(), joinedAt: Date.now(), firstAt: undefined }
  if (system === 'ws-hub') {
    const socket = new WebSocket(target)
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
    socket.on('message', (data: Buffer) => { onData(client, new Uint8Array(data)) })
    client.send = (data) => { socket.send(data) }
    client.stop = () => { socket.close(); return Promise.resolve() }
  } else if (system === 'gossipsub-naive') {
    const node = await naiveNode()
    await node.dial(multiaddr(target))
    node.services.pubsub.addEventListener('message', (evt) => { onData(client, evt.detail.data) })
    node.services.pubsub.subscribe(BENCH_TOPIC)
    client.send = (data) => { node.services.pubsub.publish(BENCH_TOPIC, data).catch(() => {}) }
    client.stop = async () => { await node.stop() }
  } else {
    const node: RealtimeNode = await createRealtimeNode({
      bootstrap: [target],
      // experiments: gossipsub settings of the clients, e.g. RTMESH_BENCH_GOSSIPSUB='{"D":3}'
      ...(process.env.RTMESH_BENCH_GOSSIPSUB === undefined ? {} : { gossipsub: JSON.parse(process.env.RTMESH_BENCH_GOSSIPSUB) as Record<string, unknown> }),
      ...(system === 'rtmesh-direct' ? { listen: ['/ip4/127.0.0.1/tcp/0'] } : { directPeersPerChannel: 0 })
    })
    const channel = node.webxdc({ secret: hexToBytes(secretHex), chatId: 'bench', appId: 'bench' }).joinRealtimeChannel()
    channel.setListener((data) => { onData(client, data) })
    client.send = (data) => { channel.send(data) }
    client.stop = async () => { await node.stop() }
  }
  client.joinedAt = Date.now()
  return client
}

let config: Extract<BenchCommand, { t: 'start' }> | undefined
let queue = Promise.resolve()
process.on('message', (command: BenchCommand) => {
  queue = queue.then(async () => {
    if (command.t === 'start') {
      config = command
      clients.push(...await Promise.all(command.names.map(async (name) => await startClient(command.system, name, command.target, command.secretHex))))
      process.send?.({ t: 'started' })
    } else if (command.t === 'join' && config !== undefined) {
      const client = await startClient(config.system, command.name, config.target, config.secretHex)
      client.late = true
      clients.push(client)
      process.send?.({ t: 'joined' })
    } else if (command.t === 'traffic') {
      cpuAtTraffic = ownCpuMicros()
      let seq = 0
      const timers = clients.map((client) => setInterval(() => {
        if (Date.now() >= command.untilMs) return
        client.send(encodePayload(`${client.name}.${seq++}`, 'bench', nowMs(), command.size))
        sent++
      }, 1_000 / command.rate))
      setTimeout(() => { for (const timer of timers) clearInterval(timer) }, Math.max(0, command.untilMs - Date.now()) + 10)
    } else if (command.t === 'stop') {
      const report: BenchReport = {
        t: 'report', latencies, received, sent, duplicates,
        cpuMicros: cpuAtTraffic === undefined ? 0 : ownCpuMicros() - cpuAtTraffic,
        joins: clients.filter((c) => c.late && c.firstAt !== undefined).map((c) => (c.firstAt ?? 0) - c.joinedAt)
      }
      process.send?.(report)
      latencies = []
      // the parent disconnects once it has the report: a child that disconnected right after a
      // large send (~400 KB at N = 20) lost it on the way, and the run waited forever
      await Promise.all(clients.map(async (c) => { await c.stop() }))
    }
  })
})
