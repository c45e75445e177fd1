/**
 * `pnpm --filter @rtmesh/tests bench [-- --full]`: rtmesh against the
 * baselines, side by side in one run on this machine. Writes
 * bench/results.json and prints a Markdown table.
 */
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { createInterface } from 'node:readline'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { sleep, spawnRelay } from '@rtmesh/testkit'
import { percentile } from '../net/report.ts'
import type { BenchCommand, BenchReport, System } from './peer.ts'

const full = process.argv.includes('--full')
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7)
const PEER_SCRIPT = new URL('./peer.ts', import.meta.url).pathname
// clients per process: one process per 30 (measured: 30 in one process p50 140 ms, in six processes 2.4 s, on 2 cores)
const PER_PROCESS = Number(process.env.RTMESH_BENCH_PER_PROCESS ?? 30)

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

interface CaseResult { system: System, n: number, rate: number, size: number, p50: number, p99: number, delivery: number, duplicates: number, joins: number[] }

async function runCase (system: System, n: number, rate: number, size: number, durationMs: number, lateJoins = 0): Promise<CaseResult> {
  const target = await startTarget(system)
  const secretHex = randomBytes(32).toString('hex')
  const procs: ChildProcess[] = []
  try {
    const started: Array<Promise<unknown>> = []
    for (let p = 0; p * PER_PROCESS < n; p++) {
      const profile = process.env.RTMESH_PEER_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.RTMESH_PEER_PROFILE}`]
      const child = fork(PEER_SCRIPT, [], { execArgv: ['--conditions=development', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      procs.push(child)
      const names = Array.from({ length: Math.min(PER_PROCESS, n - p * PER_PROCESS) }, (_, i) => `c${p * PER_PROCESS + i}`)
      started.push(new Promise((resolve) => child.once('message', resolve)))
      child.send({ t: 'start', system, names, target: target.addr, secretHex } satisfies BenchCommand)
    }
    await Promise.all(started)
    await sleep(system === 'rtmesh-direct' ? 6_000 : 3_000) // meshes form, direct links come up
    const until = Date.now() + durationMs
    for (const child of procs) child.send({ t: 'traffic', rate, size, untilMs: until } satisfies BenchCommand)
    for (let j = 0; j < lateJoins; j++) {
      await sleep(durationMs / (lateJoins + 1))
      const child = procs[j % procs.length]
      const joined = new Promise((resolve) => child?.once('message', resolve))
      child?.send({ t: 'join', name: `late${j}` } satisfies BenchCommand)
      await joined
    }
    await sleep(Math.max(0, until - Date.now()) + 2_000)
    const reports = await Promise.all(procs.map(async (child) => await new Promise<BenchReport>((resolve) => {
      child.on('message', (m: BenchReport | { t: 'started' | 'joined' }) => { if (m.t === 'report') resolve(m) })
      child.send({ t: 'stop' } satisfies BenchCommand)
    })))
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b)
    const sent = reports.reduce((s, r) => s + r.sent, 0)
    const received = reports.reduce((s, r) => s + r.received, 0)
    return {
      system, n, rate, size,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      delivery: lateJoins > 0 ? NaN : received / Math.max(1, sent * (n - 1)),
      duplicates: reports.reduce((s, r) => s + r.duplicates, 0),
      joins: reports.flatMap((r) => r.joins).sort((a, b) => a - b)
    }
  } finally {
    await Promise.all(procs.map(async (child) => {
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(3_000)])
      child.kill('SIGKILL')
    }))
    await target.stop()
  }
}

async function rssKb (pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid ?? 0}/status`, 'utf8').catch(() => '')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
}

/** Idle clients held by one relay (or hub) process, and its memory per client. */
async function idleCapacity (system: 'rtmesh-relay' | 'ws-hub', clients: number): Promise<{ clients: number, kbPerClient: number }> {
  const target = await startTarget(system)
  const procs: ChildProcess[] = []
  try {
    await sleep(1_000)
    const before = await rssKb(target.pid)
    for (let p = 0; p * 50 < clients; p++) {
      const child = fork(PEER_SCRIPT, [], { execArgv: ['--conditions=development'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      procs.push(child)
      const done = new Promise((resolve) => child.once('message', resolve))
      child.send({ t: 'start', system, names: Array.from({ length: 50 }, (_, i) => `idle${p}.${i}`), target: target.addr, secretHex: randomBytes(32).toString('hex') } satisfies BenchCommand)
      await done
    }
    await sleep(3_000)
    const after = await rssKb(target.pid)
    return { clients, kbPerClient: Math.round((after - before) / clients) }
  } finally {
    for (const child of procs) {
      child.send({ t: 'stop' } satisfies BenchCommand)
    }
    await sleep(2_000)
    for (const child of procs) child.kill('SIGKILL')
    await target.stop()
  }
}

/** Messages/s one relay (or hub) forwards to 10 clients before p99 latency passes 50 ms. */
async function capacity (system: 'rtmesh-relay' | 'ws-hub'): Promise<{ forwardedPerSecond: number, steps: Array<{ rate: number, p99: number, delivery: number }> }> {
  const steps: Array<{ rate: number, p99: number, delivery: number }> = []
  let best = 0
  for (const rate of [5, 10, 20, 40, 80]) {
    const r = await runCase(system, 10, rate, 100, 6_000)
    steps.push({ rate, p99: r.p99, delivery: r.delivery })
    console.error(`${system} capacity: 10 clients × ${rate}/s: p99 ${r.p99} ms, delivery ${(r.delivery * 100).toFixed(2)}%`)
    if (r.p99 <= 50 && r.delivery === 1) best = Math.max(best, 10 * rate * 9)
    if (r.p99 > 1_000 || r.delivery < 0.99) break
  }
  return { forwardedPerSecond: best, steps }
}

async function gzippedBundle (entry: string): Promise<number> {
  const result = await build({ stdin: { contents: entry, resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' }, bundle: true, minify: true, write: false, platform: 'browser', format: 'iife', logLevel: 'silent' })
  return gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).byteLength
}

if (process.argv.includes('--capacity')) {
  console.log(JSON.stringify({ 'rtmesh-relay': await capacity('rtmesh-relay'), 'ws-hub': await capacity('ws-hub') }))
  process.exit(0)
}
if (only !== undefined) {
  const [system, n, size] = only.split(':')
  const large = size === '128000'
  const r = await runCase(system as System, Number(n), large ? 1 : 10, large ? 128_000 : 100, 8_000)
  console.log(`${r.system} n=${r.n}: p50 ${r.p50} p99 ${r.p99} delivery ${(r.delivery * 100).toFixed(2)}%`)
  process.exit(0)
}
const results: Record<string, unknown> = { machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version, date: new Date().toISOString() }
const systems: System[] = ['ws-hub', 'rtmesh-relay', 'rtmesh-direct', 'gossipsub-naive']
const sizes = [10, 30, ...(full ? [100] : [])]
const latency: CaseResult[] = []
for (const n of sizes) {
  for (const system of systems) {
    const small = await runCase(system, n, 10, 100, 8_000)
    latency.push(small)
    console.error(`${system} n=${n} 100 B @10/s: p50 ${small.p50} p99 ${small.p99} delivery ${(small.delivery * 100).toFixed(2)}%`)
    if (n <= 10 || full) {
      const large = await runCase(system, n, 1, 128_000, 8_000)
      latency.push(large)
      console.error(`${system} n=${n} 128000 B @1/s: p50 ${large.p50} p99 ${large.p99} delivery ${(large.delivery * 100).toFixed(2)}%`)
    }
  }
}
results.latency = latency.map((r) => ({ ...r, joins: undefined }))
const joins: Record<string, number[]> = {}
for (const system of ['ws-hub', 'rtmesh-relay', 'rtmesh-direct'] as const) {
  joins[system] = (await runCase(system, 10, 10, 100, 12_000, 5)).joins
  console.error(`${system} join times: ${joins[system].join(', ')} ms`)
}
results.joins = joins
results.capacity = { 'rtmesh-relay': await capacity('rtmesh-relay'), 'ws-hub': await capacity('ws-hub') }
results.idle = { 'rtmesh-relay': await idleCapacity('rtmesh-relay', 300), 'ws-hub': await idleCapacity('ws-hub', 300) }
console.error(`idle: ${JSON.stringify(results.idle)}`)
const ours = gzipSync(await readFile(new URL('../../packages/browser/dist/webxdc.js', import.meta.url)), { level: 9 }).byteLength
results.bundles = {
  'rtmesh webxdc.js': ours,
  trystero: await gzippedBundle("import { joinRoom } from 'trystero'; window.x = joinRoom"),
  'y-webrtc + yjs': await gzippedBundle("import { WebrtcProvider } from 'y-webrtc'; import * as Y from 'yjs'; window.x = [WebrtcProvider, Y]")
}
console.error(`bundles: ${JSON.stringify(results.bundles)}`)
await writeFile(new URL('results.json', import.meta.url), JSON.stringify(results, null, 1))

const ws = (n: number, size: number): CaseResult | undefined => latency.find((r) => r.system === 'ws-hub' && r.n === n && r.size === size)
const lines = ['| system | N | message | p50 ms | p99 ms | delivery | p50 vs ws hub |', '|---|---|---|---|---|---|---|']
for (const r of latency) {
  const base = ws(r.n, r.size)
  lines.push(`| ${r.system} | ${r.n} | ${r.size} B @ ${r.rate}/s | ${r.p50} | ${r.p99} | ${(r.delivery * 100).toFixed(2)}% | ${base === undefined || base.p50 === 0 ? '–' : `${(r.p50 / base.p50).toFixed(1)}×`} |`)
}
console.log(lines.join('\n'))
