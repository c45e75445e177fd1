/**
 * The channel machine judges each frame by the peer it came through and
 * counts every drop reason (injected clock).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from '@noble/hashes/utils.js'
import { MAX_MESSAGE_SIZE, NEW_SENDER_BURST, SOURCE_BYTE_BURST, SOURCE_NEW_SENDER_BURST } from '../src/proto/constants.ts'
import { deriveChannel } from '../src/proto/derive.ts'
import { FrameKind, sealFrame } from '../src/proto/envelope.ts'
import type { FrameSource } from '../src/proto/inbound.ts'
import { ChannelMachine } from '../src/proto/machine.ts'
import type { ValidationResult } from '../src/proto/machine.ts'
import { emptyStats } from '../src/proto/stats.ts'
import type { RealtimeStats } from '../src/proto/stats.ts'

const T0 = 1_700_000_000_000

function setup (): { validate: (data: Uint8Array, source: FrameSource) => ValidationResult, stats: RealtimeStats, clock: { now: number }, machine: ChannelMachine } {
  const derived = deriveChannel({ secret: randomBytes(32), chatId: 'chat', appId: 'app' })
  const clock = { now: T0 }
  const stats = emptyStats()
  const machine = new ChannelMachine({
    derived, selfId: 'self', multiaddrs: [], directPeers: 0, inbound: {}, stats, randomBytes, random: Math.random
  }, clock.now)
  const validate = (data: Uint8Array, source: FrameSource): ValidationResult => {
    const verdict = machine.handle({ type: 'frame', data, source }, clock.now).find((e) => e.type === 'verdict')
    if (verdict === undefined) throw new Error('no verdict')
    return verdict.verdict
  }
  return { validate, stats, clock, machine }
}

function frame (machine: ChannelMachine, senderId: Uint8Array, counter: number, timestamp: number, size = 0): Uint8Array {
  return sealFrame(machine.derived.key, machine.derived.topic, randomBytes(24), {
    kind: FrameKind.Data, senderId, counter, timestamp, payload: new Uint8Array(size)
  })
}

describe('channel limits', () => {
  it('judges frames by the peer they came through and counts the reasons', () => {
    const { validate, stats, clock, machine } = setup()
    const evil: FrameSource = { id: 'evil', relay: false }
    const honest: FrameSource = { id: 'honest', relay: false }
    const verdicts = new Map<string, number>()
    // a member minting a sender id per frame, 1 000 frames at once
    for (let n = 0; n < 1_000; n++) {
      const verdict = validate(frame(machine, randomBytes(16), 0, clock.now), evil)
      verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1)
    }
    assert.equal(verdicts.get('accept'), SOURCE_NEW_SENDER_BURST)
    assert.equal(stats.dropped.newSenders, 1_000 - SOURCE_NEW_SENDER_BURST)
    assert.equal(stats.delivered, SOURCE_NEW_SENDER_BURST)
    // later, one new sender id as fast as it can: its small first burst, then `flood`
    clock.now += 60_000
    const id = randomBytes(16)
    let counter = 0
    while (validate(frame(machine, id, counter, clock.now), evil) === 'accept') counter++
    assert.equal(counter, NEW_SENDER_BURST)
    assert.equal(stats.dropped.flood, 1)
    // later still, full-size frames: the peer's byte budget runs out first (4 MB: 31 frames)
    clock.now += 60_000
    let big = 0
    while (validate(frame(machine, id, counter + big, clock.now, MAX_MESSAGE_SIZE), evil) === 'accept') big++
    assert.equal(big, Math.floor(SOURCE_BYTE_BURST / (MAX_MESSAGE_SIZE + 74)))
    assert.equal(stats.dropped.sourceBytes, 1)
    // the honest peer is untouched
    assert.equal(validate(frame(machine, randomBytes(16), 0, clock.now), honest), 'accept')
  })
})
