/**
 * `pnpm --filter @rtmesh/tests net -- [options]`: starts a test network,
 * runs a scenario (from a file, or built from the flags), prints a live
 * status line, and writes report.json and latency.svg. Ctrl-C stops it early
 * and still writes the report.
 */
import { parseArgs } from 'node:util'
import { checkScenario, loadScenario, ScenarioError } from './scenario.ts'
import type { Scenario } from './scenario.ts'
import { runNetwork } from './runner.ts'

const HELP = `Usage: net [--scenario file.json] [--relays K] [--peers N] [--browsers M] [--channels C]
           [--duration seconds] [--rate msgs/s per peer] [--size bytes] [--relay-only] [--out dir]

Starts K federated relays, N Node peers (processes of 10) and M Chromium pages
on this machine (loopback only), joins them to C channels, sends traffic and
applies the scenario's faults. Writes report.json and latency.svg.
Scenario files: tests/scenarios/*.json.
`

async function main (): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: process.argv.slice(2).filter((a) => a !== '--'),
      options: {
        scenario: { type: 'string' }, relays: { type: 'string' }, peers: { type: 'string' }, browsers: { type: 'string' },
        channels: { type: 'string' }, duration: { type: 'string' }, rate: { type: 'string' }, size: { type: 'string' },
        'relay-only': { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean' }
      },
      strict: true
    }).values
  } catch (err) {
    process.stderr.write(`net: ${(err as Error).message}\n`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write(HELP)
    return 0
  }
  let scenario: Scenario
  try {
    const num = (v: string | undefined, fallback: number): number => v === undefined ? fallback : Number(v)
    scenario = values.scenario !== undefined
      ? await loadScenario(values.scenario)
      : checkScenario({
        name: 'cli',
        relays: num(values.relays, 3),
        peers: num(values.peers, 30),
        browsers: num(values.browsers, 0),
        channels: num(values.channels, 2),
        listen: values['relay-only'] !== true,
        warmupMs: 3_000,
        durationMs: num(values.duration, 30) * 1_000,
        traffic: { rate: num(values.rate, 2), size: num(values.size, 100) }
      })
  } catch (err) {
    if (err instanceof ScenarioError) {
      process.stderr.write(`net: ${err.message}\n`)
      return 2
    }
    throw err
  }
  const abort = new AbortController()
  process.once('SIGINT', () => { process.stderr.write('\nnet: stopping…\n'); abort.abort() })
  const tty = process.stdout.isTTY
  const { report, dir } = await runNetwork(scenario, {
    signal: abort.signal,
    ...(values.out === undefined ? {} : { outDir: values.out }),
    onStatus: (line) => { process.stdout.write(tty ? `\r\x1b[K${line}` : `${line}\n`) }
  })
  process.stdout.write(`${tty ? '\n' : ''}delivery ${(report.deliveryRatio * 100).toFixed(2)}% (${report.delivered}/${report.expected}), ` +
    `duplicates ${report.duplicates}, cross-channel ${report.crossChannel}, sent-while-away ${report.sentWhileAway}, ` +
    `latency p50 ${report.latencyMs.p50} ms p99 ${report.latencyMs.p99} ms, join p50 ${report.joinTimeMs.p50} ms\n` +
    `report: ${dir}/report.json, plot: ${dir}/latency.svg\n`)
  return 0
}

process.exitCode = await main()
