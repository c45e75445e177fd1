/**
 * The channel machine in a deterministic simulation (`sim/`): many nodes, a
 * virtual clock, latency that reorders, loss, duplication, churn, clock skew
 * and an eavesdropper who replays everything. Seeded: a failure names its
 * seed, and `RTMESH_SIM_SEED=<seed>` replays exactly that run.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_REORDER_TIMEOUT_MS } from '../src/proto/constants.ts'
import { deriveChannel } from '../src/proto/derive.ts'
import type { DerivedChannel } from '../src/proto/derive.ts'
import { ANNOUNCE_DELAYS_MS, MEMBER_TTL_MS, REANNOUNCE_MS } from '../src/proto/members.ts'
import { checkCompleteness, checkSafety, maxDeliveryDelay } from './sim/checks.ts'
import { Simulation, T0 } from './sim/sim.ts'
import type { NetworkConditions, SimNode } from './sim/sim.ts'

const SEEDS = process.env.RTMESH_SIM_SEED !== undefined ? [Number(process.env.RTMESH_SIM_SEED)] : [1, 2, 3, 4, 5, 6, 7, 8]

function channel (seed: number, secretByte = 7): DerivedChannel {
  return deriveChannel({ secret: new Uint8Array(32).fill(secretByte), chatId: `chat-${seed}`, appId: 'app' })
}

const REORDERING: NetworkConditions = { latency: { min: 5, max: 400 }, loss: 0, duplicate: 0.2 }
const LOSSY: NetworkConditions = { latency: { min: 5, max: 400 }, loss: 0.15, duplicate: 0.1 }

/**
 * A simulation seeded `seed` on `conditions` with `count` nodes (clocks off
 * by up to `maxClockOffset` ms), every one joined to the seed's channel.
 */
function joinedSimulation (seed: number, conditions: NetworkConditions, count: number, maxClockOffset = 0): { sim: Simulation, derived: DerivedChannel, nodes: SimNode[] } {
  const sim = new Simulation(seed, conditions)
  const derived = channel(seed)
  const nodes = Array.from({ length: count }, () => sim.addNode(maxClockOffset))
  for (const node of nodes) node.join(derived)
  return { sim, derived, nodes }
}

/** `count` nodes each sending `perNode` frames at random times within `spanMs` from now. */
function traffic (sim: Simulation, nodes: SimNode[], perNode: number, spanMs: number): void {
  for (const node of nodes) {
    for (let i = 0; i < perNode; i++) {
      sim.schedule(sim.now + sim.rng.int(spanMs), () => { if (node.session !== undefined && node.session.leftAt === undefined && node.online) node.send() })
    }
  }
}

function forEachSeed (name: string, run: (seed: number) => void): void {
  for (const seed of SEEDS) it(`${name} (seed ${seed})`, () => { run(seed) })
}

describe('simulation: channel machines on a simulated network', () => {
  forEachSeed('reordered and duplicated frames reach every member once, in order; late joiners and leavers get nothing outside their membership', (seed) => {
    const sim = new Simulation(seed, REORDERING)
    const derived = channel(seed)
    const nodes = Array.from({ length: 12 }, () => sim.addNode())
    const [late1, late2, leaver1, leaver2] = nodes.slice(8)
    const early = nodes.slice(0, 8)
    for (const node of [...early, leaver1, leaver2]) node?.join(derived)
    traffic(sim, nodes, 25, 20_000)
    sim.schedule(T0 + 10_000, () => { late1?.join(derived); late2?.join(derived) })
    sim.schedule(T0 + 12_000, () => { leaver1?.leave(); leaver2?.leave() })
    sim.runUntil(T0 + 25_000)
    checkSafety(sim)
    checkCompleteness(sim, sim.maxLatency)
    // with every copy arriving, a gap only waits for the late copy, never the timeout
    assert.ok(maxDeliveryDelay(sim) <= 2 * sim.maxLatency, `a delivery took ${maxDeliveryDelay(sim)} ms`)
    assert.ok(sim.sent.length > 200)
    assert.equal(early[0]?.stats.dropped.replay !== undefined, true)
    const duplicates = nodes.reduce((sum, n) => sum + n.stats.dropped.replay, 0)
    assert.ok(duplicates > 0, 'duplicated copies were refused as replays')
  })

  forEachSeed('with loss, what arrives is once and in order, and a gap holds later frames back at most the reorder timeout', (seed) => {
    const { sim, nodes } = joinedSimulation(seed, LOSSY, 10)
    traffic(sim, nodes, 30, 20_000)
    sim.runUntil(T0 + 25_000)
    checkSafety(sim)
    assert.ok(maxDeliveryDelay(sim) <= DEFAULT_REORDER_TIMEOUT_MS + sim.maxLatency, `a delivery took ${maxDeliveryDelay(sim)} ms`)
    const delivered = sim.sessions.reduce((sum, s) => sum + s.delivered.length, 0)
    const possible = sim.sent.length * (nodes.length - 1)
    // each copy is lost with p = 0.15, unless a duplicate made it
    assert.ok(delivered > possible * 0.75 && delivered < possible * 0.95, `${delivered} of ${possible} delivered`)
  })

  forEachSeed('clocks off by up to a minute: nothing lost, nothing refused as stale', (seed) => {
    const { sim, nodes } = joinedSimulation(seed, REORDERING, 8, DEFAULT_MAX_CLOCK_SKEW_MS / 2 - 1_000)
    traffic(sim, nodes, 20, 10_000)
    sim.runUntil(T0 + 15_000)
    checkSafety(sim)
    checkCompleteness(sim, sim.maxLatency)
    assert.equal(nodes.reduce((sum, n) => sum + n.stats.dropped.stale, 0), 0)
  })

  forEachSeed('an eavesdropper replaying every frame, soon and much later, gets nothing delivered twice or late', (seed) => {
    const { sim, derived, nodes } = joinedSimulation(seed, REORDERING, 8)
    traffic(sim, nodes, 15, 10_000)
    sim.runUntil(T0 + 12_000)
    const before = sim.sessions.map((s) => s.delivered.length)
    const replayAll = (): void => {
      const frames = sim.wire.filter((w) => w.topic === derived.topic && w.at < T0 + 12_000)
      for (const node of nodes) for (const { frame } of frames) sim.inject(node, frame, 'eavesdropper', 1 + sim.rng.int(sim.maxLatency))
    }
    sim.schedule(T0 + 13_000, replayAll)
    sim.runUntil(T0 + 20_000)
    assert.deepEqual(sim.sessions.map((s) => s.delivered.length), before, 'replays soon after are refused by counter')
    // after the clock-skew window a late joiner cannot be fed old frames either
    const late = sim.addNode()
    sim.schedule(T0 + 12_000 + 2 * DEFAULT_MAX_CLOCK_SKEW_MS + 1_000, () => {
      const session = late.join(derived)
      for (const { frame } of sim.wire.filter((w) => w.at < T0 + 12_000)) sim.inject(late, frame, 'eavesdropper', 10)
      sim.schedule(sim.now + 1_000, () => { assert.equal(session.delivered.length, 0) })
      replayAll()
    })
    sim.runUntil(T0 + 12_000 + 2 * DEFAULT_MAX_CLOCK_SKEW_MS + 5_000)
    assert.deepEqual(sim.sessions.slice(0, before.length).map((s) => s.delivered.length), before, 'old replays are refused as stale')
    assert.ok(late.stats.dropped.stale > 0)
    checkSafety(sim)
  })

  forEachSeed('outsiders who know the topic but not the key deliver nothing and get nothing delivered', (seed) => {
    const { sim, derived, nodes: members } = joinedSimulation(seed, REORDERING, 6)
    const outsiders = Array.from({ length: 2 }, () => sim.addNode())
    // each outsider has its own wrong key
    outsiders.forEach((node, i) => node.join({ topic: derived.topic, key: channel(seed, 20 + i).key }))
    traffic(sim, [...members, ...outsiders], 15, 10_000)
    sim.runUntil(T0 + 12_000)
    checkSafety(sim)
    for (const node of outsiders) assert.equal(node.session?.delivered.length, 0)
    const outsiderNames = new Set(outsiders.map((n) => n.session?.name))
    for (const node of members) {
      assert.ok(node.session?.delivered.every((d) => !outsiderNames.has(d.payload.split(':')[0])))
      assert.ok(node.stats.dropped.auth > 0, 'forged frames are counted')
    }
  })

  forEachSeed('presence: members know who is here after joins, goodbyes, quick rejoins and a crash, and link directly', (seed) => {
    const { sim, derived, nodes } = joinedSimulation(seed, REORDERING, 10)
    const [leaver, rejoiner, crasher] = nodes
    sim.schedule(T0 + 5_000, () => { leaver?.leave(); rejoiner?.leave() })
    sim.schedule(T0 + 5_000 + sim.maxLatency + 1, () => { rejoiner?.join(derived) })
    sim.runUntil(T0 + 10_000)
    const here = (node: SimNode): string[] => (node.session?.machine.memberList(node.clock) ?? []).map((m) => m.peerId).sort()
    const others = (node: SimNode, present: SimNode[]): string[] => present.filter((n) => n !== node).map((n) => n.id).sort()
    const present = nodes.filter((n) => n !== leaver)
    for (const node of present) assert.deepEqual(here(node), others(node, present), `${node.id} sees who is here`)
    for (const node of present) {
      const linked = [...node.links].filter((id) => present.some((n) => n.id === id))
      assert.ok(linked.length >= 6, `${node.id} links directly to ${linked.length} members`)
    }
    // a crashed member says no goodbye: it is gone once it has been silent for the member TTL
    if (crasher === undefined) throw new Error('no crasher')
    sim.crash(crasher)
    sim.runUntil(sim.now + MEMBER_TTL_MS + 1_000)
    const alive = present.filter((n) => n !== crasher)
    for (const node of alive) assert.deepEqual(here(node), others(node, alive), `${node.id} forgot the crashed member`)
  })

  forEachSeed('presence events: joined, left and lost arrive at the others, in that order, lost within the member TTL of the crash', (seed) => {
    const { sim, nodes } = joinedSimulation(seed, REORDERING, 6)
    const [leaver, crasher] = nodes
    if (leaver === undefined || crasher === undefined) throw new Error('too few nodes')
    const stayers = nodes.filter((n) => n !== leaver && n !== crasher)
    // joined: one event per other member, from its first announcement (0.2 s after its join) plus the flight
    sim.runUntil(T0 + 10_000)
    const events = (node: SimNode, about?: SimNode): string[] =>
      (node.session?.presence ?? []).filter((e) => about === undefined || e.peerId === about.id).map((e) => `${e.type} ${e.peerId}`)
    for (const node of nodes) {
      assert.deepEqual(events(node).sort(), nodes.filter((n) => n !== node).map((n) => `joined ${n.id}`).sort(), `${node.id} saw every other member join`)
      for (const event of node.session?.presence ?? []) {
        assert.ok(event.at <= T0 + (ANNOUNCE_DELAYS_MS[0] ?? 0) + sim.maxLatency, `${node.id} saw ${event.peerId} join at +${event.at - T0} ms`)
      }
    }
    // every event of one join names the same sender id
    const senderOf = new Map((stayers[0]?.session?.presence ?? []).map((e) => [e.peerId, e.senderId]))
    // left: the goodbye, within its flight
    const leftAt = sim.now
    leaver.leave()
    sim.runUntil(leftAt + 5_000)
    for (const node of [crasher, ...stayers]) {
      const left = node.session?.presence.find((e) => e.type === 'left')
      assert.equal(left?.peerId, leaver.id, `${node.id} saw the leaver leave`)
      assert.equal(left.senderId, senderOf.get(leaver.id))
      assert.ok(left.at <= leftAt + sim.maxLatency, `the goodbye took ${left.at - leftAt} ms`)
    }
    // lost: no goodbye; reported the member TTL after its last presence arrived: never before the
    // TTL minus one re-announcement interval, never after the TTL plus a flight
    const crashedAt = sim.now
    sim.crash(crasher)
    sim.runUntil(crashedAt + 10 * 60_000)
    for (const node of stayers) {
      assert.deepEqual(events(node, crasher), [`joined ${crasher.id}`, `lost ${crasher.id}`], `${node.id} saw the crashed member join, then lost`)
      assert.deepEqual(events(node, leaver), [`joined ${leaver.id}`, `left ${leaver.id}`])
      const lost = node.session?.presence.find((e) => e.type === 'lost')
      assert.ok(lost !== undefined)
      assert.equal(lost.senderId, senderOf.get(crasher.id))
      const after = lost.at - crashedAt
      assert.ok(after <= MEMBER_TTL_MS + sim.maxLatency, `lost ${after} ms after the crash`)
      assert.ok(after >= MEMBER_TTL_MS - REANNOUNCE_MS, `lost only ${after} ms after the crash`)
      // the members still here are never reported lost (10 minutes, announcements every 60 s, no loss)
      const session = node.session
      assert.ok(session !== undefined)
      assert.equal(session.presence.filter((e) => e.type === 'lost').length, 1)
      const here = session.machine.memberList(node.clock).map((m) => m.peerId)
      assert.deepEqual(here.sort(), stayers.filter((n) => n !== node).map((n) => n.id).sort())
    }
  })

  forEachSeed('connection state: offline until a member links directly, and offline again when the linked members are gone', (seed) => {
    const { sim, nodes } = joinedSimulation(seed, REORDERING, 3)
    const [a, b, c] = nodes
    if (a === undefined || b === undefined || c === undefined) throw new Error('too few nodes')
    const states = (node: SimNode): string[] => (node.session?.connection ?? []).map((s) => s.state)
    a.dispatch({ type: 'relays', connected: true })
    sim.runUntil(T0 + 10_000)
    assert.deepEqual(states(a), ['offline', 'relayed', 'direct'])
    assert.deepEqual(states(b), ['offline', 'direct'], 'no relay in the simulation: straight to direct')
    sim.crash(b)
    sim.crash(c)
    sim.runUntil(sim.now + 1_000)
    assert.deepEqual(states(a), ['offline', 'relayed', 'direct', 'relayed'], 'links gone, the relay still there')
    a.dispatch({ type: 'relays', connected: false })
    assert.deepEqual(states(a), ['offline', 'relayed', 'direct', 'relayed', 'offline'])
  })

  it('the same seed gives the same run', () => {
    const run = (): string => {
      const { sim, nodes } = joinedSimulation(42, LOSSY, 6, 1_000)
      traffic(sim, nodes, 10, 5_000)
      sim.runUntil(T0 + 8_000)
      return JSON.stringify(sim.sessions.map((s) => s.delivered))
    }
    assert.equal(run(), run())
  })
})
