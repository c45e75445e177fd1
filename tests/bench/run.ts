/**
 * `pnpm --filter @rtmesh/tests bench [-- --full | --smoke | --only=SYSTEM:N[:128000] | --capacity | --idle] [--out=FILE]`:
 * rtmesh against the baselines, side by side in one run on this machine.
 * For every case: p50/p99 latency, delivery, and CPU time per delivered
 * message at the relay (or hub) and at the clients, with ratios to the ws
 * hub of the same N and message size; then join times, forwarding capacity,
 * relay memory per idle client and bundle sizes. Writes results.json (or
 * `--out`) and prints Markdown tables and the cost targets.
 *
 * `--smoke` runs every part once, for a few seconds, with 3 clients and 100 B
 * messages: it checks that the benchmark still works (the test suite runs
 * it), not how fast anything is.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { FULL_TIMING, idleMemory, runCase } from './case.ts'
import type { CaseResult, Timing } from './case.ts'
import type { System } from './peer.ts'
import { casesTable, checkTargets, targetsTable } from './table.ts'

const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const full = process.argv.includes('--full')
const smoke = process.argv.includes('--smoke')
const only = flag('only')
const out = flag('out') ?? new URL('results.json', import.meta.url).pathname
const timing: Timing = smoke ? { settle: 1_500, settleDirect: 2_500, duration: 1_500, tail: 1_000 } : FULL_TIMING

const SMALL = { size: 100, rate: 10 }
const LARGE = { size: 128_000, rate: 1 }

/** Messages/s one relay (or hub) forwards to 10 clients before p99 latency passes 50 ms. */
async function capacity (system: 'rtmesh-relay' | 'ws-hub', rates: number[]): Promise<{ forwardedPerSecond: number, steps: Array<{ rate: number, p99: number, delivery: number }> }> {
  const steps: Array<{ rate: number, p99: number, delivery: number }> = []
  let best = 0
  const n = smoke ? 3 : 10
  for (const rate of rates) {
    const r = await runCase(system, n, rate, 100, { ...timing, duration: Math.min(6_000, timing.duration) })
    steps.push({ rate, p99: r.p99, delivery: r.delivery })
    console.error(`${system} capacity: ${n} clients × ${rate}/s: p99 ${r.p99.toFixed(1)} ms, delivery ${(r.delivery * 100).toFixed(2)}%`)
    if (r.p99 <= 50 && r.delivery === 1) best = Math.max(best, n * rate * (n - 1))
    if (r.p99 > 1_000 || r.delivery < 0.99) break
  }
  return { forwardedPerSecond: best, steps }
}

async function gzippedBundle (entry: string): Promise<number> {
  const result = await build({ stdin: { contents: entry, resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' }, bundle: true, minify: true, write: false, platform: 'browser', format: 'iife', logLevel: 'silent' })
  return gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).byteLength
}

function logCase (r: CaseResult): void {
  console.error(`${r.system} n=${r.n} ${r.size} B @${r.rate}/s: p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms, delivery ${(r.delivery * 100).toFixed(2)}%, ` +
    `CPU µs/delivery relay ${r.relayCpuPerDelivery.toFixed(1)} clients ${r.clientCpuPerDelivery.toFixed(1)}`)
}

if (process.argv.includes('--capacity')) {
  console.log(JSON.stringify({ 'rtmesh-relay': await capacity('rtmesh-relay', [5, 10, 20, 40, 80]), 'ws-hub': await capacity('ws-hub', [5, 10, 20, 40, 80]) }))
  process.exit(0)
}
if (process.argv.includes('--idle')) {
  const idle = { 'rtmesh-relay': await idleMemory('rtmesh-relay', 300), 'ws-hub': await idleMemory('ws-hub', 300) }
  console.log(`Memory per idle client in the relay (hub) process, 300 clients: rtmesh ${idle['rtmesh-relay'].kibPerClient} KiB, ws hub ${idle['ws-hub'].kibPerClient} KiB.`)
  process.exit(0)
}
if (only !== undefined) {
  const [system, n, size] = only.split(':')
  const shape = size === '128000' ? LARGE : SMALL
  const r = await runCase(system as System, Number(n), shape.rate, shape.size, timing)
  logCase(r)
  console.log(casesTable([r]))
  process.exit(0)
}

const results: Record<string, unknown> = { machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version, date: new Date().toISOString(), smoke }
const systems: System[] = ['ws-hub', 'rtmesh-relay', 'rtmesh-direct', 'gossipsub-naive']
const sizes = smoke ? [3] : [10, 20, ...(full ? [30, 100] : [])]
const cases: CaseResult[] = []
for (const n of sizes) {
  for (const shape of smoke ? [SMALL] : [SMALL, LARGE]) {
    for (const system of systems) {
      const r = await runCase(system, n, shape.rate, shape.size, timing)
      cases.push(r)
      logCase(r)
    }
  }
}
results.cases = cases.map((r) => ({ ...r, joins: undefined }))
const joins: Record<string, number[]> = {}
for (const system of smoke ? ['rtmesh-relay'] as const : ['ws-hub', 'rtmesh-relay', 'rtmesh-direct'] as const) {
  joins[system] = (await runCase(system, smoke ? 3 : 10, 10, 100, { ...timing, duration: smoke ? timing.duration : 12_000 }, smoke ? 1 : 5)).joins
  console.error(`${system} join times: ${joins[system].join(', ')} ms`)
}
results.joins = joins
const rates = smoke ? [5] : [5, 10, 20, 40, 80]
results.capacity = { 'rtmesh-relay': await capacity('rtmesh-relay', rates), ...(smoke ? {} : { 'ws-hub': await capacity('ws-hub', rates) }) }
const idleClients = smoke ? 10 : 300
const idle = { 'rtmesh-relay': await idleMemory('rtmesh-relay', idleClients), 'ws-hub': await idleMemory('ws-hub', idleClients) }
results.idle = idle
console.error(`idle: ${JSON.stringify(idle)}`)
const ours = gzipSync(await readFile(new URL('../../packages/browser/dist/webxdc.js', import.meta.url)), { level: 9 }).byteLength
results.bundles = {
  'rtmesh webxdc.js': ours,
  trystero: await gzippedBundle("import { joinRoom } from 'trystero'; window.x = joinRoom"),
  'y-webrtc + yjs': await gzippedBundle("import { WebrtcProvider } from 'y-webrtc'; import * as Y from 'yjs'; window.x = [WebrtcProvider, Y]")
}
console.error(`bundles: ${JSON.stringify(results.bundles)}`)
const targets = checkTargets(cases, idle['rtmesh-relay'].kibPerClient)
results.targets = targets
await writeFile(out, JSON.stringify(results, null, 1))

console.log(casesTable(cases))
console.log()
console.log(`Memory per idle client in the relay (hub) process, ${idleClients} clients: rtmesh ${idle['rtmesh-relay'].kibPerClient} KiB, ws hub ${idle['ws-hub'].kibPerClient} KiB.`)
console.log()
console.log(targetsTable(targets))
