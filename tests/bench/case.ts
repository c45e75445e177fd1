/**
 * One benchmark case: a relay (or hub) process, N clients in peer processes
 * (up to 30 each), traffic for a while, then the peers' reports and the
 * relay's CPU time over the same window.
 */
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { sleep, spawnRelay } from '@rtmesh/testkit'
import { percentile } from '../net/report.ts'
import { processCpuMicros, processRssKiB } from './cpu.ts'
import type { BenchCommand, BenchReport, System } from './peer.ts'

const PEER_SCRIPT = new URL('./peer.ts', import.meta.url).pathname
// clients per process: one process per 30 (measured: 30 in one process p50 140 ms, in six processes 2.4 s, on 2 cores)
const PER_PROCESS = Number(process.env.RTMESH_BENCH_PER_PROCESS ?? 30)

/** How long each phase of a case lasts (ms). */
export interface Timing {
  /** After every client started, before traffic: meshes form (direct links need longer). */
  settle: number
  settleDirect: number
  /** Traffic. */
  duration: number
  /** After traffic, before the reports: frames in flight arrive. */
  tail: number
}

export const FULL_TIMING: Timing = { settle: 3_000, settleDirect: 6_000, duration: 8_000, tail: 2_000 }

interface Target { addr: string, pid: number | undefined, stop: () => Promise<void> }

async function lineOf (child: ChildProcess): Promise<string> {
  if (child.stdout === null) throw new Error('no stdout')
  const rl = createInterface({ input: child.stdout })
  return await new Promise((resolve) => { rl.once('line', resolve) })
}

async function startTarget (system: System): Promise<Target> {
  if (system === 'ws-hub' || system === 'gossipsub-naive') {
    const script = new URL(system === 'ws-hub' ? './ws-hub.ts' : './gossip-hub.ts', import.meta.url).pathname
    const child = spawn(process.execPath, ['--conditions=development', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const ready = JSON.parse(await lineOf(child)) as { port?: number, addr?: string }
    return {
      addr: system === 'ws-hub' ? `ws://127.0.0.1:${ready.port ?? 0}` : ready.addr ?? '',
      pid: child.pid,
      stop: async () => { child.kill('SIGKILL'); await sleep(100) }
    }
  }
  const relay = await spawnRelay(['--port', '0', '--no-admin', '--messages-per-second', '100000', '--message-burst', '100000'],
    process.env.RTMESH_RELAY_PROFILE === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.RTMESH_RELAY_PROFILE}` })
  return { addr: relay.ws, pid: relay.child.pid, stop: async () => { await relay.kill('SIGTERM') } }
}

function forkPeer (): ChildProcess {
  const profile = process.env.RTMESH_PEER_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.RTMESH_PEER_PROFILE}`]
  return fork(PEER_SCRIPT, [], { execArgv: ['--conditions=development', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

async function stopPeers (procs: ChildProcess[]): Promise<void> {
  await Promise.all(procs.map(async (child) => {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    if (child.connected) child.disconnect()
    await Promise.race([exited, sleep(3_000)])
    child.kill('SIGKILL')
  }))
}

/** What one case measured. CPU figures are µs per delivered message, summed over the processes of each side. */
export interface CaseResult {
  system: System
  n: number
  rate: number
  size: number
  p50: number
  p99: number
  /** Deliveries over (sent × (N − 1)); NaN with late joins. */
  delivery: number
  duplicates: number
  deliveries: number
  /** CPU time over the traffic and the tail, µs: the relay (or hub) process, and all client processes. */
  relayCpuMicros: number
  clientCpuMicros: number
  relayCpuPerDelivery: number
  clientCpuPerDelivery: number
  joins: number[]
}

/** Runs one case: `n` clients of `system`, each sending `rate` messages/s of `size` bytes. */
export async function runCase (system: System, n: number, rate: number, size: number, timing: Timing, lateJoins = 0): Promise<CaseResult> {
  const target = await startTarget(system)
  const secretHex = randomBytes(32).toString('hex')
  const procs: ChildProcess[] = []
  try {
    const started: Array<Promise<unknown>> = []
    for (let p = 0; p * PER_PROCESS < n; p++) {
      const child = forkPeer()
      procs.push(child)
      const names = Array.from({ length: Math.min(PER_PROCESS, n - p * PER_PROCESS) }, (_, i) => `c${p * PER_PROCESS + i}`)
      started.push(new Promise((resolve) => child.once('message', resolve)))
      child.send({ t: 'start', system, names, target: target.addr, secretHex } satisfies BenchCommand)
    }
    await Promise.all(started)
    await sleep(system === 'rtmesh-direct' ? timing.settleDirect : timing.settle)
    const until = Date.now() + timing.duration
    const relayCpuBefore = await processCpuMicros(target.pid)
    for (const child of procs) child.send({ t: 'traffic', rate, size, untilMs: until } satisfies BenchCommand)
    for (let j = 0; j < lateJoins; j++) {
      await sleep(timing.duration / (lateJoins + 1))
      const child = procs[j % procs.length]
      const joined = new Promise((resolve) => child?.once('message', resolve))
      child?.send({ t: 'join', name: `late${j}` } satisfies BenchCommand)
      await joined
    }
    await sleep(Math.max(0, until - Date.now()) + timing.tail)
    const relayCpu = await processCpuMicros(target.pid) - relayCpuBefore
    const reports = await Promise.all(procs.map(async (child) => await new Promise<BenchReport>((resolve) => {
      child.on('message', (m: BenchReport | { t: 'started' | 'joined' }) => { if (m.t === 'report') resolve(m) })
      child.send({ t: 'stop' } satisfies BenchCommand)
    })))
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b)
    const sent = reports.reduce((s, r) => s + r.sent, 0)
    const received = reports.reduce((s, r) => s + r.received, 0)
    const clientCpu = reports.reduce((s, r) => s + r.cpuMicros, 0)
    return {
      system, n, rate, size,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      delivery: lateJoins > 0 ? NaN : received / Math.max(1, sent * (n - 1)),
      duplicates: reports.reduce((s, r) => s + r.duplicates, 0),
      deliveries: received,
      relayCpuMicros: relayCpu,
      clientCpuMicros: clientCpu,
      relayCpuPerDelivery: received === 0 ? NaN : relayCpu / received,
      clientCpuPerDelivery: received === 0 ? NaN : clientCpu / received,
      joins: reports.flatMap((r) => r.joins).sort((a, b) => a - b)
    }
  } finally {
    await stopPeers(procs)
    await target.stop()
  }
}

/** Memory per idle client held by one relay (or hub) process: RSS growth over `clients` joined clients, KiB. */
export async function idleMemory (system: 'rtmesh-relay' | 'ws-hub', clients: number): Promise<{ clients: number, kibPerClient: number }> {
  const target = await startTarget(system)
  const procs: ChildProcess[] = []
  try {
    await sleep(1_000)
    const before = await processRssKiB(target.pid)
    for (let p = 0; p * 50 < clients; p++) {
      const child = forkPeer()
      procs.push(child)
      const done = new Promise((resolve) => child.once('message', resolve))
      const names = Array.from({ length: Math.min(50, clients - p * 50) }, (_, i) => `idle${p}.${i}`)
      child.send({ t: 'start', system, names, target: target.addr, secretHex: randomBytes(32).toString('hex') } satisfies BenchCommand)
      await done
    }
    await sleep(3_000)
    const after = await processRssKiB(target.pid)
    return { clients, kibPerClient: Math.round((after - before) / clients) }
  } finally {
    // each peer reports before it is disconnected (a report sent to a closed channel crashes the peer)
    await Promise.all(procs.map(async (child) => {
      const reported = new Promise((resolve) => child.on('message', (m: { t: string }) => { if (m.t === 'report') resolve(m) }))
      child.send({ t: 'stop' } satisfies BenchCommand)
      await Promise.race([reported, sleep(5_000)])
    }))
    await stopPeers(procs)
    await target.stop()
  }
}
