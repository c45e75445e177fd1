/**
 * The benchmark's Markdown: each case with its ratios to the ws hub of the
 * same N and message size in the same run, and the targets checked
 * against those ratios.
 */
import type { CaseResult } from './case.ts'

function num (x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }).replace(/,/g, ' ') : '–'
}

function ratio (x: number, base: number | undefined): number {
  return base === undefined || !Number.isFinite(base) || base <= 0 ? NaN : x / base
}

function times (r: number): string {
  return Number.isFinite(r) ? `${r < 10 ? r.toFixed(1) : r.toFixed(0)}×` : '–'
}

function hubOf (cases: CaseResult[], r: CaseResult): CaseResult | undefined {
  return cases.find((c) => c.system === 'ws-hub' && c.n === r.n && c.size === r.size)
}

/** One row per case: latency, delivery, CPU per delivery, and ratios to the ws hub. */
export function casesTable (cases: CaseResult[]): string {
  const lines = [
    '| system | N | messages | p50 ms | p99 ms | delivery | relay CPU µs/delivery | client CPU µs/delivery | p50 × hub | relay CPU × hub | client CPU × hub |',
    '|---|---|---|---|---|---|---|---|---|---|---|'
  ]
  for (const r of cases) {
    const hub = hubOf(cases, r)
    lines.push(`| ${r.system} | ${r.n} | ${r.size} B, ${r.rate}/s each | ${num(r.p50, 1)} | ${num(r.p99, 1)} | ${num(r.delivery * 100, 1)} % | ` +
      `${num(r.relayCpuPerDelivery, 1)} | ${num(r.clientCpuPerDelivery, 1)} | ${times(ratio(r.p50, hub?.p50))} | ` +
      `${times(ratio(r.relayCpuPerDelivery, hub?.relayCpuPerDelivery))} | ${times(ratio(r.clientCpuPerDelivery, hub?.clientCpuPerDelivery))} |`)
  }
  return lines.join('\n')
}

/** A target of the cost budget and whether this run met it. */
export interface TargetCheck { target: string, measured: string, met: boolean }

/**
 * The targets, as ratios to the ws hub measured in the same run: CPU per
 * delivery ≤ 2× (100 B) or ≤ 3× (128 000 B) at the relay and at the clients,
 * p50 ≤ 2×, direct links never slower (p50) than relay-only, and relay memory
 * per idle client ≤ 100 KiB.
 */
export function checkTargets (cases: CaseResult[], idleKiB: number | undefined): TargetCheck[] {
  const checks: TargetCheck[] = []
  for (const r of cases) {
    if (r.system !== 'rtmesh-relay' && r.system !== 'rtmesh-direct') continue
    const hub = hubOf(cases, r)
    const cpuMax = r.size > 1_000 ? 3 : 2
    const label = `${r.system} N=${r.n} ${r.size} B`
    if (r.system === 'rtmesh-relay') {
      const relay = ratio(r.relayCpuPerDelivery, hub?.relayCpuPerDelivery)
      checks.push({ target: `${label}: relay CPU/delivery ≤ ${cpuMax}× hub`, measured: times(relay), met: relay <= cpuMax })
    }
    const client = ratio(r.clientCpuPerDelivery, hub?.clientCpuPerDelivery)
    checks.push({ target: `${label}: client CPU/delivery ≤ ${cpuMax}× hub`, measured: times(client), met: client <= cpuMax })
    const p50 = ratio(r.p50, hub?.p50)
    checks.push({ target: `${label}: p50 ≤ 2× hub`, measured: `${num(r.p50, 1)} vs ${num(hub?.p50 ?? NaN, 1)} ms (${times(p50)})`, met: p50 <= 2 })
    if (r.system === 'rtmesh-direct') {
      const relayOnly = cases.find((c) => c.system === 'rtmesh-relay' && c.n === r.n && c.size === r.size)
      if (relayOnly !== undefined) checks.push({ target: `${label}: direct p50 ≤ relay-only p50`, measured: `${num(r.p50, 1)} vs ${num(relayOnly.p50, 1)} ms`, met: r.p50 <= relayOnly.p50 })
    }
  }
  if (idleKiB !== undefined) checks.push({ target: 'relay memory per idle client ≤ 100 KiB', measured: `${idleKiB} KiB`, met: idleKiB <= 100 })
  return checks
}

export function targetsTable (checks: TargetCheck[]): string {
  return ['| target | measured | met |', '|---|---|---|', ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`)].join('\n')
}
