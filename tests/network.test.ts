/**
 * The test network's scenarios: 30 Node peers in separate processes and 3
 * relay processes deliver every frame to members only, once, through churn,
 * a relay killed and restarted, and flooding or garbage-sending peers. Each
 * run writes its report and latency plot under tests/.artifacts/net/<scenario>/.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadScenario } from './net/scenario.ts'
import { listens, runNetwork } from './net/runner.ts'
import type { RunReport } from './net/report.ts'

const scenario = async (name: string): Promise<Awaited<ReturnType<typeof loadScenario>>> =>
  await loadScenario(new URL(`scenarios/${name}.json`, import.meta.url).pathname)

function summary (r: RunReport): string {
  return `${r.scenario}: delivery ${(r.deliveryRatio * 100).toFixed(2)}% (${r.delivered}/${r.expected}), dup ${r.duplicates}, ` +
    `cross ${r.crossChannel}, away ${r.sentWhileAway}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, join p50 ${r.joinTimeMs.p50} ms`
}

/** Delivery ratio of the report's messages that pass `keep`. */
function ratio (r: RunReport, keep: (m: NonNullable<RunReport['perMessage']>[string], receiver: string) => boolean): { ratio: number, expected: number } {
  let expected = 0
  let delivered = 0
  for (const m of Object.values(r.perMessage ?? {})) {
    for (const peer of m.expected) {
      if (!keep(m, peer)) continue
      expected++
      if (m.received[peer] !== undefined) delivered++
    }
  }
  return { ratio: expected === 0 ? 1 : delivered / expected, expected }
}

describe('test network scenarios', () => {
  it('30 peers, 3 relays, 2 channels: all delivered to members, no leak, no duplicates', async (t) => {
    const { report } = await runNetwork(await scenario('baseline'))
    t.diagnostic(summary(report))
    assert.ok(report.expected > 1_000, `enough traffic (${report.expected} deliveries expected)`)
    assert.equal(report.deliveryRatio, 1)
    assert.equal(report.crossChannel, 0)
    assert.equal(report.duplicates, 0)
    assert.equal(report.sentWhileAway, 0)
  })

  it('churn: a third of the peers restart; members get everything, returners nothing from their absence', async (t) => {
    const { report } = await runNetwork(await scenario('churn'))
    t.diagnostic(summary(report))
    assert.equal(report.deliveryRatio, 1)
    assert.equal(report.sentWhileAway, 0)
    assert.equal(report.duplicates, 0)
    assert.ok(report.joinTimeMs.count >= 9, 'the returning peers rejoined and heard the channel')
  })

  it('a relay killed and restarted: direct links never stop, relay-only peers recover within seconds', async (t) => {
    const s = await scenario('relay-kill')
    const { report } = await runNetwork(s)
    t.diagnostic(summary(report))
    const kill = report.faults.find((f) => f.label.startsWith('kill'))?.at ?? assert.fail('no kill')
    // directly linked when the relay died: a listening peer with at least one direct member link
    // in its last sample (1 s apart) before the kill; one whose links had not formed yet depends on the relay
    const linkedAtKill = (name: string): boolean =>
      ((report.directLinks[name] ?? []).filter(([at]) => at <= kill).at(-1)?.[1] ?? 0) > 0
    const directPeer = (name: string): boolean => listens(s, Number(name.slice(1))) && linkedAtKill(name)
    const linked = Array.from({ length: s.peers }, (_, i) => `p${i}`).filter(directPeer).length
    t.diagnostic(`listening peers directly linked at the kill: ${linked}`)
    // how many have links 3 s into the traffic varies (7 to 11 of 15 seen): the check needs a pair
    assert.ok(linked >= 2, `listening peers with direct links when the relay died: ${linked}`)
    const direct = ratio(report, (m, to) => directPeer(m.from) && directPeer(to))
    t.diagnostic(`between listening peers: ${(direct.ratio * 100).toFixed(2)}% of ${direct.expected}`)
    assert.ok(direct.expected > 0, 'some messages travelled between directly linked peers')
    assert.equal(direct.ratio, 1, 'between directly linked peers nothing is lost')
    const recovered = ratio(report, (m) => m.sentAt > kill + 3_000)
    t.diagnostic(`from 3 s after the kill: ${(recovered.ratio * 100).toFixed(2)}% of ${recovered.expected}`)
    assert.equal(recovered.ratio, 1, 'every peer is reached again within 3 s')
  })

  it('flood and garbage peers: honest delivery as without them, p99 latency within 30×', async (t) => {
    // the same topology without the faults, measured in the same run
    const faulty = await scenario('flood-garbage')
    const { report: control } = await runNetwork({ ...faulty, name: 'flood-garbage-control', faults: [] })
    t.diagnostic(summary(control))
    const { report } = await runNetwork(faulty)
    t.diagnostic(summary(report))
    assert.ok(report.expected > 300, `honest traffic flowed (${report.expected} deliveries expected)`)
    assert.ok(report.deliveryRatio >= control.deliveryRatio - 0.001, `delivery ${report.deliveryRatio} vs ${control.deliveryRatio}`)
    // Stated factor: the flooder shares this 2-core machine with the honest
    // peers, and the ≤100 frames/s the relays and members let through from it
    // reach each member about D (6) times over the mesh. Measured: 15× and 25×
    // in two runs; the bound (30× of at least 100 ms) catches a collapse.
    const limit = 30 * Math.max(control.latencyMs.p99, 100)
    assert.ok(report.latencyMs.p99 <= limit, `p99 ${report.latencyMs.p99} ms vs fault-free ${control.latencyMs.p99} ms (limit ${limit})`)
    assert.equal(report.crossChannel, 0)
  })
})
