/**
 * What the simulation tests assert about a run, stated once: exactly once,
 * in order per sender, only to members, within the flight of each frame.
 */
import assert from 'node:assert/strict'
import { T0 } from './sim.ts'
import type { Session, Simulation } from './sim.ts'

/** Parses `name:n` payloads. */
function parse (payload: string): { sender: string, n: number } {
  const at = payload.lastIndexOf(':')
  return { sender: payload.slice(0, at), n: Number(payload.slice(at + 1)) }
}

/**
 * Every session delivered each payload at most once, in increasing order per
 * sender, never its own, only while joined, and only payloads sent while it
 * was joined or in flight to it (sent at most `maxLatency` before its join).
 */
export function checkSafety (sim: Simulation, sessions: Session[] = sim.sessions): void {
  const sentAt = new Map(sim.sent.map((r) => [r.payload, r]))
  for (const session of sessions) {
    const last = new Map<string, number>()
    for (const { payload, at } of session.delivered) {
      const record = sentAt.get(payload)
      assert.ok(record !== undefined, `${session.name} delivered ${payload}, which nobody sent`)
      const { sender, n } = parse(payload)
      assert.notEqual(sender, session.name, `${session.name} delivered its own ${payload}`)
      const previous = last.get(sender) ?? -1
      assert.ok(n > previous, `${session.name} delivered ${payload} after ${sender}:${previous} (duplicate or out of order)`)
      last.set(sender, n)
      assert.ok(record.at + sim.maxLatency >= session.joinedAt, `${session.name} (joined ${session.joinedAt}) delivered ${payload} sent at ${record.at}, before its flight`)
      assert.ok(session.leftAt === undefined || at <= session.leftAt, `${session.name} delivered ${payload} after leaving`)
    }
  }
}

/**
 * Nothing lost on a lossless network: every payload reached every session
 * that was joined when it was sent, stayed joined `settleMs` after (latency
 * plus any wait for a gap) and had already heard from its sender. A
 * receiver's view of a sender starts at the first frame it gets from it
 * (PROTOCOL.md, "Receiving"): an earlier frame that arrives after it over
 * another path is refused, so only frames sent after that first delivery
 * are owed. Each session must have heard from every sender that sent after it joined.
 */
export function checkCompleteness (sim: Simulation, settleMs: number): void {
  for (const session of sim.sessions) {
    if (!session.node.online) continue
    const firstFrom = new Map<string, number>()
    for (const { payload, at } of session.delivered) {
      const sender = parse(payload).sender
      if (!firstFrom.has(sender)) firstFrom.set(sender, at)
    }
    const got = new Set(session.delivered.map((d) => d.payload))
    for (const record of sim.sent) {
      if (record.session === session || record.session.machine.derived.topic !== session.machine.derived.topic) continue
      if (!record.session.node.online || record.at < session.joinedAt || record.at + settleMs > sim.now) continue
      if (session.leftAt !== undefined && session.leftAt < record.at + settleMs) continue
      const first = firstFrom.get(record.session.name)
      assert.ok(first !== undefined, `${session.name} never heard from ${record.session.name}`)
      if (record.at < first) continue
      assert.ok(got.has(record.payload), `${session.name} missed ${record.payload} (sent at T0 + ${record.at - T0} ms)`)
    }
  }
}

/** How long after its sending each delivery came, at most. */
export function maxDeliveryDelay (sim: Simulation): number {
  const sentAt = new Map(sim.sent.map((r) => [r.payload, r.at]))
  let max = 0
  for (const session of sim.sessions) {
    for (const { payload, at } of session.delivered) max = Math.max(max, at - (sentAt.get(payload) ?? at))
  }
  return max
}
