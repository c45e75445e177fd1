/**
 * The per-member limits of `InboundOrderer` (PROTOCOL.md, "Receiving"):
 * budgets per forwarding peer (frames, bytes, new sender ids), small bursts
 * for new sender ids, a sender table that keeps active senders, and reorder
 * buffers bounded per channel. Pure: every clock value is an argument.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  MAX_FRAME_SIZE, MAX_SENDERS_PER_CHANNEL, NEW_SENDER_BURST, RELAY_SOURCE_FACTOR, SOURCE_BYTE_BURST, SOURCE_BYTE_RATE,
  SOURCE_FRAME_BURST, SOURCE_FRAME_RATE, SOURCE_NEW_SENDER_BURST, SOURCE_NEW_SENDER_RATE
} from '../src/proto/constants.ts'
import { SourceBudgets } from '../src/proto/budget.ts'
import { InboundOrderer } from '../src/proto/inbound.ts'
import type { FrameSource, Verdict } from '../src/proto/inbound.ts'

const T0 = 1_700_000_000_000
const SMALL = 100
const HONEST: FrameSource = { id: 'honest-peer', relay: false }
const EVIL: FrameSource = { id: 'evil-peer', relay: false }
const EVIL_RELAY: FrameSource = { id: 'relay-with-an-evil-member', relay: true }

/** A distinct 16-byte sender id per number. */
function senderId (n: number): Uint8Array {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(0, n)
  id[15] = 0xee
  return id
}

/** Admits and, if accepted, pushes (what the channel's validator and delivery do). */
function receive (o: InboundOrderer<number>, source: FrameSource, sender: Uint8Array, counter: number, now: number, size = SMALL): Verdict {
  const verdict = o.admit({ senderId: sender, counter, timestamp: now, size }, source, now)
  if (verdict === 'accept') o.push(sender, counter, now, counter, now, size)
  return verdict
}

/** Tallies verdicts. */
function tally (): { add: (v: Verdict) => void, count: (v: Verdict) => number } {
  const counts = new Map<Verdict, number>()
  return {
    add: (v) => { counts.set(v, (counts.get(v) ?? 0) + 1) },
    count: (v) => counts.get(v) ?? 0
  }
}

/**
 * A member sending `perMs` frames every millisecond for `seconds` through
 * `source`, moving to a fresh sender id whenever the current one is refused
 * (or has sent `rotateEvery` frames).
 */
function rotatingFlood (o: InboundOrderer<number>, source: FrameSource, seconds: number, perMs: number, size = SMALL, rotateEvery = NEW_SENDER_BURST): ReturnType<typeof tally> {
  const verdicts = tally()
  let id = 1_000_000
  let counter = 0
  for (let ms = 0; ms < seconds * 1_000; ms++) {
    for (let i = 0; i < perMs; i++) {
      const verdict = receive(o, source, senderId(id), counter, T0 + ms, size)
      verdicts.add(verdict)
      counter++
      if (verdict !== 'accept' || counter >= rotateEvery) {
        id++
        counter = 0
      }
    }
  }
  return verdicts
}

describe('limits per forwarding peer', () => {
  it('a member rotating sender ids through one peer gets no more than that peer\'s frame budget', () => {
    const o = new InboundOrderer<number>()
    // 5 000 frames/s offered for 10 s, from ever new sender ids
    const flood = rotatingFlood(o, EVIL, 10, 5)
    const budget = SOURCE_FRAME_BURST + SOURCE_FRAME_RATE * 10
    assert.ok(flood.count('accept') <= budget, `accepted ${flood.count('accept')} frames, budget ${budget}`)
    assert.ok(flood.count('sourceFlood') > 40_000)
    // an honest member behind another peer is untouched
    for (let c = 0; c < 50; c++) assert.equal(receive(o, HONEST, senderId(1), c, T0 + 10_000 + c * 20), 'accept')
  })

  it('a relay gets a larger budget, still bounded', () => {
    const o = new InboundOrderer<number>()
    const flood = rotatingFlood(o, EVIL_RELAY, 10, 5)
    const budget = (SOURCE_FRAME_BURST + SOURCE_FRAME_RATE * 10) * RELAY_SOURCE_FACTOR
    assert.ok(flood.count('accept') > SOURCE_FRAME_BURST + SOURCE_FRAME_RATE * 10, 'more than a member peer')
    assert.ok(flood.count('accept') <= budget, `accepted ${flood.count('accept')} frames, budget ${budget}`)
  })

  it('counts bytes: full-size frames exhaust the byte budget long before the frame budget', () => {
    const o = new InboundOrderer<number>()
    // 100 full-size frames/s (12.8 MB/s) for 10 s, from 10 senders at 10/s each
    let accepted = 0
    let refused = 0
    for (let step = 0; step < 1_000; step++) {
      const now = T0 + step * 10
      const verdict = receive(o, EVIL, senderId(step % 10), Math.floor(step / 10), now, MAX_FRAME_SIZE)
      if (verdict === 'accept') accepted++
      if (verdict === 'sourceBytes') refused++
    }
    const budget = SOURCE_BYTE_BURST + SOURCE_BYTE_RATE * 10
    assert.ok(accepted * MAX_FRAME_SIZE <= budget, `accepted ${accepted * MAX_FRAME_SIZE} bytes, budget ${budget}`)
    assert.equal(accepted + refused, 1_000, 'only bytes refused them: 100 frames/s is within the frame budget')
    // small frames cost little: the budget has room for them at once
    assert.equal(receive(o, EVIL, senderId(99), 0, T0 + 10_001), 'accept')
  })

  it('limits the new sender ids one peer may introduce', () => {
    const o = new InboundOrderer<number>()
    const verdicts = tally()
    // one new id every 10 ms for 10 s: 100 frames/s, within the frame budget
    for (let n = 0; n < 1_000; n++) verdicts.add(receive(o, EVIL, senderId(n), 0, T0 + n * 10))
    const budget = SOURCE_NEW_SENDER_BURST + SOURCE_NEW_SENDER_RATE * 10
    assert.ok(verdicts.count('accept') <= budget, `admitted ${verdicts.count('accept')} new ids, budget ${budget}`)
    assert.equal(verdicts.count('newSenders'), 1_000 - verdicts.count('accept'))
    // known senders behind the same peer go on
    assert.equal(receive(o, EVIL, senderId(0), 1, T0 + 10_000), 'accept')
    // a relay may introduce more (it forwards many members)
    let viaRelay = 0
    for (let n = 0; n < 1_000; n++) if (receive(o, EVIL_RELAY, senderId(10_000 + n), 0, T0 + 20_000) === 'accept') viaRelay++
    assert.equal(viaRelay, SOURCE_NEW_SENDER_BURST * RELAY_SOURCE_FACTOR)
  })

  it('accepts a new sender id\'s burst whole, up to the sender burst (an app bursting right after a receiver joined)', () => {
    const o = new InboundOrderer<number>()
    let first = 0
    for (let c = 0; c < 1_000; c++) if (receive(o, HONEST, senderId(1), c, T0) === 'accept') first++
    assert.equal(first, NEW_SENDER_BURST)
    assert.equal(NEW_SENDER_BURST, 500)
  })

  it('forgets peers whose budgets refilled, and keeps at most maxSources', () => {
    const rate = { rate: 10, burst: 10 }
    const budgets = new SourceBudgets({ frames: rate, bytes: { rate: 1_000, burst: 1_000 }, newSenders: rate }, { frames: rate, bytes: rate, newSenders: rate }, 4)
    for (let p = 0; p < 10; p++) assert.equal(budgets.charge({ id: `p${p}`, relay: false }, 100, T0), undefined)
    assert.equal(budgets.size, 4)
    // a second later every bucket is full again: such peers are forgotten, losing nothing
    budgets.charge({ id: 'p-late', relay: false }, 100, T0 + 1_000)
    assert.equal(budgets.size, 1)
  })

  it('applies the relay budget once a peer is known to be a relay', () => {
    const o = new InboundOrderer<number>()
    const peer = { id: 'relay-before-identify', relay: false }
    for (let n = 0; n < SOURCE_NEW_SENDER_BURST; n++) assert.equal(receive(o, peer, senderId(n), 0, T0), 'accept')
    assert.equal(receive(o, peer, senderId(1_000), 0, T0), 'newSenders')
    assert.equal(receive(o, { ...peer, relay: true }, senderId(1_000), 0, T0), 'accept')
  })
})

describe('sender table', () => {
  it('minting 5 000 sender ids neither evicts an active honest sender nor makes its old frames acceptable again', () => {
    const o = new InboundOrderer<number>()
    const honest = senderId(1)
    for (let c = 0; c < 10; c++) assert.equal(receive(o, HONEST, honest, c, T0 + c), 'accept')
    // 5 000 ids through 500 peers (10 each: within every per-peer budget), 1 per ms
    const verdicts = tally()
    for (let n = 0; n < 5_000; n++) {
      verdicts.add(receive(o, { id: `evil-${n % 500}`, relay: false }, senderId(100 + n), 0, T0 + 1_000 + n))
    }
    assert.equal(o.senderCount, MAX_SENDERS_PER_CHANNEL)
    assert.equal(verdicts.count('tableFull'), 5_000 - (MAX_SENDERS_PER_CHANNEL - 1))
    // a captured frame of the honest sender, replayed within the clock-skew window
    const now = T0 + 6_100
    assert.equal(o.admit({ senderId: honest, counter: 3, timestamp: T0 + 3, size: SMALL }, { id: 'replayer', relay: false }, now), 'replay')
    assert.equal(receive(o, HONEST, honest, 10, now), 'accept', 'and it goes on sending')

    // once the minted ids are silent for the clock-skew window, newcomers take their places
    const later = T0 + 6_099 + 120_000
    for (let n = 0; n < 100; n++) assert.equal(receive(o, { id: `newcomer-${n}`, relay: false }, senderId(90_000 + n), 0, later), 'accept')
    assert.equal(o.classify(honest, 3, T0 + 3, later), 'replay', 'the honest sender, seen last, is still known')
    // and a displaced sender's old frames are refused by the clock check
    const displaced = senderId(100)
    assert.equal(o.classify(displaced, 1, T0 + 1_000, later), 'stale')
  })
})

describe('reorder buffers', () => {
  const options = { maxBufferedPerSender: 4, maxBufferedPerChannel: 6, maxBufferedBytesPerChannel: 1_000_000, reorderTimeoutMs: 1_000 }

  it('are bounded per channel: the oldest gap is skipped at once when the channel buffer is full', () => {
    const o = new InboundOrderer<number>(options)
    // three senders each leave a gap (counter 1 missing) and buffer two frames
    for (let s = 0; s < 3; s++) {
      assert.deepEqual(o.push(senderId(s), 0, T0, 0, T0 + s), [0])
      assert.deepEqual(o.push(senderId(s), 2, T0, 2, T0 + s), [])
      assert.deepEqual(o.push(senderId(s), 3, T0, 3, T0 + s), [])
    }
    assert.equal(o.bufferedCount, 6)
    // a fourth sender's out-of-order frame: the oldest gap (sender 0) gives way
    assert.deepEqual(o.push(senderId(3), 0, T0, 0, T0 + 10), [0])
    assert.deepEqual(o.push(senderId(3), 5, T0, 50, T0 + 10), [2, 3])
    assert.equal(o.bufferedCount, 5)
    assert.equal(o.overflows, 1)
    assert.equal(o.classify(senderId(0), 1, T0, T0 + 10), 'replay', 'the skipped frame is refused if it comes late')
  })

  it('are bounded in bytes per channel', () => {
    const o = new InboundOrderer<number>({ ...options, maxBufferedBytesPerChannel: 300_000 })
    assert.deepEqual(o.push(senderId(0), 0, T0, 0, T0, MAX_FRAME_SIZE), [0])
    assert.deepEqual(o.push(senderId(0), 2, T0, 2, T0, MAX_FRAME_SIZE), [])
    assert.deepEqual(o.push(senderId(1), 0, T0, 0, T0 + 1, MAX_FRAME_SIZE), [0])
    assert.deepEqual(o.push(senderId(1), 2, T0, 2, T0 + 1, MAX_FRAME_SIZE), [])
    // a third full-size frame waiting would pass 300 000 bytes
    assert.deepEqual(o.push(senderId(1), 3, T0, 3, T0 + 2, MAX_FRAME_SIZE), [2])
    assert.equal(o.bufferedCount, 2)
    assert.equal(o.overflows, 1)
  })

  it('are bounded per sender', () => {
    const o = new InboundOrderer<number>(options)
    o.push(senderId(0), 0, T0, 0, T0)
    for (const c of [2, 3, 4, 5]) assert.deepEqual(o.push(senderId(0), c, T0, c, T0), [])
    assert.deepEqual(o.push(senderId(0), 6, T0, 6, T0), [2, 3, 4, 5, 6])
    assert.equal(o.overflows, 1)
    assert.equal(o.nextDeadline(), undefined)
  })

  it('keeps the reorder timeout for gaps nobody pushed out', () => {
    const o = new InboundOrderer<number>(options)
    o.push(senderId(0), 0, T0, 0, T0)
    o.push(senderId(0), 2, T0, 2, T0 + 5)
    assert.equal(o.nextDeadline(), T0 + 1_005)
    assert.deepEqual(o.flush(T0 + 1_005), [2])
    assert.equal(o.bufferedCount, 0)
    assert.equal(o.overflows, 0)
  })
})
