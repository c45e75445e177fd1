/**
 * The multi-process test network: K relay processes, N Node peers in
 * peer-host processes (10 per process), M Chromium pages; a scenario's
 * traffic and faults; a report at the end.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateKey } from '@rtmesh/node-relay'
import { freePort, metricValue, scrapeMetrics, sleep, spawnRelay, waitFor } from '@rtmesh/testkit'
import type { RelayProcess } from '@rtmesh/testkit'
import { startPages } from './pages.ts'
import type { Pages } from './pages.ts'
import { FaultProxy } from './proxy.ts'
import type { ChannelSpec, Command, EventBatch, PeerEvent, PeerSpec } from './protocol.ts'
import { buildReport, latencySvg, percentile } from './report.ts'
import type { FaultMark, RelaySample, RunReport } from './report.ts'
import type { Fault, Scenario } from './scenario.ts'

const PEERS_PER_HOST = 10
/** After the settle time, how long a run waits at most for deliveries still missing. */
const LATE_DELIVERY_CAP_MS = 15_000
const HOST_SCRIPT = new URL('./peer-host.ts', import.meta.url).pathname

export interface RunOptions {
  /** Directory for report.json and latency.svg; default tests/.artifacts/net/<scenario>. */
  outDir?: string
  /** Called about once a second with a one-line status. */
  onStatus?: (line: string) => void
  /** Aborting stops the run early (Ctrl-C); the report covers what ran. */
  signal?: AbortSignal
  /** Include per-message delivery in the report (large for long runs). Default true. */
  perMessage?: boolean
}

interface RelaySlot { args: string[], process: RelayProcess | undefined, admin: number, proxies: FaultProxy[] }

export async function runNetwork (scenario: Scenario, options: RunOptions = {}): Promise<{ report: RunReport, dir: string }> {
  const dir = options.outDir ?? new URL(`../.artifacts/net/${scenario.name}`, import.meta.url).pathname
  await mkdir(dir, { recursive: true })
  const keys = await mkdtemp(join(tmpdir(), 'rtmesh-net-'))
  const events: PeerEvent[] = []
  const faults: FaultMark[] = []
  const samples: RelaySample[] = []
  const relays: RelaySlot[] = []
  const hosts: ChildProcess[] = []
  const hostOf = new Map<string, ChildProcess>()
  const groups = scenario.groups ?? 1
  const useProxies = (scenario.faults ?? []).some((f) => f.type === 'partition' || f.type === 'latency')
  let pages: Pages | undefined
  let sampler: ReturnType<typeof setInterval> | undefined
  let status: ReturnType<typeof setInterval> | undefined

  const send = (name: string, command: Command): void => { hostOf.get(name)?.send(command) }
  try {
    // relays: the first is the federation's seed; each keeps its key and ports for restarts.
    // Trust is configured, never claimed: the others name the seed (--peer),
    // the seed names them (--trust-relay), and the seed's signed announcement
    // vouches for them to each other (loopback addresses: --allow-private-federation).
    const relayIds: string[] = []
    for (let r = 0; r < scenario.relays; r++) relayIds.push((await loadOrCreateKey(join(keys, `relay-${r}.key`))).publicKey.toString())
    for (let r = 0; r < scenario.relays; r++) {
      const [ws, tcp, admin] = [await freePort(), await freePort(), await freePort()]
      const args = ['--port', String(ws), '--tcp-port', String(tcp), '--admin-port', String(admin), '--key-file', join(keys, `relay-${r}.key`), '--allow-private-federation']
      const seed = relays[0]?.process
      if (seed !== undefined) args.push('--peer', seed.tcp)
      else for (const id of relayIds.slice(1)) args.push('--trust-relay', id)
      const slot: RelaySlot = { args, process: await spawnRelay(args), admin, proxies: [] }
      if (useProxies) {
        for (let g = 0; g < groups; g++) {
          const proxy = new FaultProxy(ws)
          await proxy.start()
          slot.proxies.push(proxy)
        }
      }
      relays.push(slot)
    }
    sampler = setInterval(() => {
      relays.forEach((slot, relay) => {
        if (slot.process === undefined) return
        scrapeMetrics(slot.admin).then((text) => {
          samples.push({
            at: Date.now(), relay,
            cpuSeconds: metricValue(text, 'rtmesh_relay_process_cpu_seconds_total'),
            rssBytes: metricValue(text, 'rtmesh_relay_process_resident_memory_bytes')
          })
        }).catch(() => {})
      })
    }, 1_000)

    const relayAddr = (r: number, group: number): string => {
      const slot = relays[r % relays.length]
      if (slot?.process === undefined) throw new Error('relay not running')
      const proxy = slot.proxies[group]
      return proxy === undefined ? slot.process.ws : `/ip4/127.0.0.1/tcp/${proxy.port}/ws/p2p/${slot.process.peerId}`
    }
    const channels: ChannelSpec[] = Array.from({ length: scenario.channels }, (_, c) => ({
      label: `ch${c}`, secretHex: randomBytes(32).toString('hex'), chatId: `chat-${c}`, appId: 'net-app'
    }))
    const extra = (scenario.faults ?? []).flatMap((f, fi) =>
      f.type === 'flood' || f.type === 'garbage' ? Array.from({ length: f.peers }, (_, i) => `${f.type}-${fi}-${i}`) : [])
    const specs: PeerSpec[] = [
      ...Array.from({ length: scenario.peers }, (_, i) => ({
        name: `p${i}`,
        listen: listens(scenario, i),
        webrtc: scenario.nodeWebrtc === true,
        bootstrap: scenario.relays > 1 ? [relayAddr(i, i % groups), relayAddr(i + 1, i % groups)] : [relayAddr(i, i % groups)]
      })),
      ...extra.map((name, i) => ({ name, listen: false, webrtc: false, bootstrap: [relayAddr(i, 0)] }))
    ]
    for (let h = 0; h * PEERS_PER_HOST < specs.length; h++) {
      const child = fork(HOST_SCRIPT, [], { execArgv: ['--conditions=development'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      child.on('message', (batch: EventBatch) => { events.push(...batch.events) })
      hosts.push(child)
      const mine = specs.slice(h * PEERS_PER_HOST, (h + 1) * PEERS_PER_HOST)
      for (const spec of mine) hostOf.set(spec.name, child)
      child.send({ t: 'start', peers: mine } satisfies Command)
    }
    await waitFor('peers to start', () => events.filter((e) => e.k === 'started').length === specs.length, 60_000, 50)

    const startedAt = Date.now()
    const honest = specs.slice(0, scenario.peers)
    honest.forEach((spec, i) => { send(spec.name, { t: 'join', name: spec.name, channel: channels[i % channels.length] ?? must() }) })
    for (const name of extra.filter((n) => n.startsWith('flood'))) send(name, { t: 'join', name, channel: channels[0] ?? must() })
    if ((scenario.browsers ?? 0) > 0) {
      pages = await startPages(scenario.browsers ?? 0, relayAddr(0, 0), channels[0] ?? must(), (e) => { events.push(e) })
    }

    const links = new Map<string, { direct: number, relays: number }>()
    status = setInterval(() => {
      for (const e of events.slice(-2_000)) if (e.k === 'links') links.set(e.name, { direct: e.direct, relays: e.relays })
      const now = Date.now()
      const recent = events.filter((e): e is Extract<PeerEvent, { k: 'recv' }> => e.k === 'recv' && e.at > now - 5_000).map((e) => e.at - e.sentAt).sort((a, b) => a - b)
      const sentRecent = events.filter((e) => e.k === 'sent' && e.at > now - 5_000).length / 5
      const joined = new Set(events.filter((e) => e.k === 'recv').map((e) => (e as { name: string }).name)).size
      const direct = [...links.values()].reduce((n, l) => n + l.direct, 0)
      const relayed = [...links.values()].reduce((n, l) => n + l.relays, 0)
      options.onStatus?.(`t=${Math.round((now - startedAt) / 1_000)}s peers ${joined}/${specs.length + (scenario.browsers ?? 0)} hearing, ` +
        `links ${direct} direct ${relayed} to relays, ${Math.round(sentRecent)} msg/s, p50 ${percentile(recent, 0.5)} ms p99 ${percentile(recent, 0.99)} ms`)
    }, 1_000)

    await sleep(scenario.warmupMs, options.signal)
    const trafficStart = Date.now()
    const until = trafficStart + scenario.durationMs
    const senders = Math.max(1, Math.round(honest.length * (scenario.traffic.senders ?? 1)))
    for (const spec of honest.slice(0, senders)) {
      send(spec.name, { t: 'traffic', name: spec.name, channel: channels[honest.indexOf(spec) % channels.length]?.label ?? must(), rate: scenario.traffic.rate, size: scenario.traffic.size, untilMs: until, kind: 'honest' })
    }
    pages?.traffic(scenario.traffic.rate, scenario.traffic.size, until)

    const timeline = [...(scenario.faults ?? [])].map((f, fi) => ({ f, fi })).sort((a, b) => a.f.at - b.f.at)
    for (const { f, fi } of timeline) {
      const wait = trafficStart + f.at - Date.now()
      if (wait > 0) await sleep(wait, options.signal)
      if (options.signal?.aborted === true) break
      faults.push({ at: Date.now(), label: describe(f) })
      await applyFault(f, fi, { relays, honest, extra, channels, send, until, faults })
    }
    const settleMs = scenario.settleMs ?? 2_000
    await sleep(Math.max(0, until - Date.now()) + settleMs, options.signal)
    // A loaded machine delays frames, it does not lose them: while an expected
    // delivery is missing, wait for it (up to LATE_DELIVERY_CAP_MS); a lost
    // frame stays missing and fails the run, a late one shows in the latencies.
    const lateUntil = Date.now() + LATE_DELIVERY_CAP_MS
    while (Date.now() < lateUntil && options.signal?.aborted !== true) {
      const interim = buildReport(scenario.name, startedAt, Date.now(), events, faults, samples, { perMessage: false, settleMs, trafficStart })
      if (interim.delivered >= interim.expected) break
      await sleep(500, options.signal)
    }
    const endedAt = Date.now()
    const report = buildReport(scenario.name, startedAt, endedAt, events, faults, samples,
      { perMessage: options.perMessage ?? true, settleMs, trafficStart })
    await writeFile(join(dir, 'report.json'), JSON.stringify(report, null, 1))
    await writeFile(join(dir, 'latency.svg'), latencySvg(report))
    return { report, dir }
  } finally {
    clearInterval(sampler)
    clearInterval(status)
    await pages?.close()
    await Promise.all(hosts.map(async (host) => {
      if (host.connected) host.send({ t: 'stop' } satisfies Command)
      await Promise.race([new Promise((resolve) => host.once('exit', resolve)), sleep(5_000)])
      host.kill('SIGKILL')
    }))
    for (const [r, slot] of relays.entries()) {
      // the relay's warnings and errors (bans, refused RPCs) and its last metrics beside the report
      await writeFile(join(dir, `relay-${r}.log`), slot.process?.stderr() ?? '').catch(() => undefined)
      if (slot.process !== undefined) {
        await scrapeMetrics(slot.admin).then(async (text) => { await writeFile(join(dir, `relay-${r}.metrics`), text) }).catch(() => undefined)
      }
      await slot.process?.kill()
      for (const proxy of slot.proxies) await proxy.stop()
    }
  }
}

/** Whether honest peer `i` listens (and so can be dialled directly). */
export function listens (scenario: Scenario, i: number): boolean {
  return typeof scenario.listen === 'number' ? i < Math.round(scenario.peers * scenario.listen) : scenario.listen
}

function must (): never {
  throw new Error('scenario has no channel')
}

function describe (f: Fault): string {
  switch (f.type) {
    case 'kill-relay': return `kill relay ${f.relay}`
    case 'restart-relay': return `restart relay ${f.relay}`
    case 'churn': return `churn ${Math.round(f.share * 100)}%`
    case 'flood': return `flood ×${f.peers}`
    case 'garbage': return `garbage ×${f.peers}`
    case 'partition': return `partition g${f.group}/r${f.relay}`
    case 'latency': return `+${f.ms} ms g${f.group}/r${f.relay}`
  }
}

interface FaultContext {
  relays: RelaySlot[]
  honest: PeerSpec[]
  extra: string[]
  channels: ChannelSpec[]
  send: (name: string, command: Command) => void
  until: number
  faults: FaultMark[]
}

async function applyFault (f: Fault, fi: number, ctx: FaultContext): Promise<void> {
  const slot = 'relay' in f ? ctx.relays[f.relay] : undefined
  switch (f.type) {
    case 'kill-relay':
      await slot?.process?.kill('SIGKILL')
      if (slot !== undefined) slot.process = undefined
      break
    case 'restart-relay':
      if (slot !== undefined && slot.process === undefined) slot.process = await spawnRelay(slot.args)
      break
    case 'churn': {
      const chosen = ctx.honest.filter((_, i) => i % Math.round(1 / f.share) === 0)
      for (const spec of chosen) ctx.send(spec.name, { t: 'kill', name: spec.name })
      setTimeout(() => {
        ctx.faults.push({ at: Date.now(), label: 'churned peers back' })
        for (const spec of chosen) ctx.send(spec.name, { t: 'restart', name: spec.name })
      }, f.downMs)
      break
    }
    case 'flood':
      for (const name of ctx.extra.filter((n) => n.startsWith(`flood-${fi}-`))) {
        ctx.send(name, { t: 'traffic', name, channel: ctx.channels[0]?.label ?? must(), rate: f.rate, size: 100, untilMs: Date.now() + f.durationMs, kind: 'flood' })
      }
      break
    case 'garbage':
      for (const name of ctx.extra.filter((n) => n.startsWith(`garbage-${fi}-`))) {
        ctx.send(name, { t: 'garbage', name, channel: ctx.channels[0] ?? must(), rate: f.rate, untilMs: Date.now() + f.durationMs })
      }
      break
    case 'partition': {
      const proxy = slot?.proxies[f.group]
      proxy?.partition()
      setTimeout(() => { proxy?.heal(); ctx.faults.push({ at: Date.now(), label: 'partition healed' }) }, f.durationMs)
      break
    }
    case 'latency': {
      const proxy = slot?.proxies[f.group]
      proxy?.setLatency(f.ms)
      setTimeout(() => { proxy?.setLatency(0) }, f.durationMs)
      break
    }
  }
}
