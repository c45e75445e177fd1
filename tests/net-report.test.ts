/**
 * The test network's report, on hand-made event logs: the ephemeral rule
 * (`sentWhileAway`) lets a message reach a member whose join began while the
 * message was in flight, and counts every other delivery to a member that
 * joined after it was sent (history, frames from before the join, deliveries
 * after leaving).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildReport } from './net/report.ts'
import type { PeerEvent } from './net/protocol.ts'

const SETTLE_MS = 2_000
const CHANNEL = 'a'

/** S sends, M is a member throughout, R is killed at 3 s and joins again at `rejoinAt`. */
function run (rejoinAt: number, extra: PeerEvent[]): ReturnType<typeof buildReport> {
  const events: PeerEvent[] = [
    ...['S', 'M', 'R'].map((name): PeerEvent => ({ k: 'joined', name, channel: CHANNEL, at: 0 })),
    { k: 'killed', name: 'R', at: 3_000 },
    { k: 'joined', name: 'R', channel: CHANNEL, at: rejoinAt },
    ...extra
  ]
  return buildReport('unit', 0, 60_000, events, [], [], { perMessage: false, settleMs: SETTLE_MS, trafficStart: 0 })
}

const sent = (id: string, at: number): PeerEvent => ({ k: 'sent', id, name: 'S', channel: CHANNEL, at, kind: 'honest' })
const recv = (id: string, name: string, at: number, sentAt: number): PeerEvent => ({ k: 'recv', id, name, channel: CHANNEL, at, sentAt, from: CHANNEL })

describe('net report: the ephemeral rule', () => {
  it('a message still in flight when its receiver rejoined is not a leak (the CI failure)', () => {
    // sent while R was away; R's join began 300 ms later, while it travelled
    const report = run(5_300, [sent('m', 5_000), recv('m', 'M', 5_030, 5_000), recv('m', 'R', 5_400, 5_000)])
    assert.equal(report.sentWhileAway, 0)
    assert.equal(report.joinedInFlight, 1)
  })

  it('a slow message may reach a member that joined before it reached the members it was sent to', () => {
    const report = run(7_500, [sent('m', 5_000), recv('m', 'M', 7_600, 5_000), recv('m', 'R', 7_700, 5_000)])
    assert.equal(report.sentWhileAway, 0)
    assert.equal(report.joinedInFlight, 1)
  })

  it('history: a message every member had, delivered to a member whose join began later and over 2 s after the send', () => {
    const report = run(7_100, [sent('m', 5_000), recv('m', 'M', 5_030, 5_000), recv('m', 'R', 7_150, 5_000)])
    assert.equal(report.sentWhileAway, 1)
  })

  it('a node delivering on its join what it heard before', () => {
    const report = run(9_000, [sent('m', 4_000), recv('m', 'M', 4_020, 4_000), recv('m', 'R', 9_001, 4_000)])
    assert.equal(report.sentWhileAway, 1)
  })

  it('a delivery outside any membership (after a peer was killed)', () => {
    const report = run(20_000, [sent('m', 2_990), recv('m', 'M', 3_010, 2_990), recv('m', 'R', 3_020, 2_990)])
    assert.equal(report.sentWhileAway, 1)
  })

  it('members at send time are never counted, however late', () => {
    const report = run(20_000, [sent('m', 1_000), recv('m', 'M', 9_000, 1_000), recv('m', 'R', 2_000, 1_000)])
    assert.equal(report.sentWhileAway, 0)
    assert.equal(report.joinedInFlight, 0)
  })
})
