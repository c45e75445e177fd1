import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InboundOrderer } from '../src/proto/inbound.ts'

const A = new Uint8Array(16).fill(1)
const B = new Uint8Array(16).fill(2)
const T0 = 1_700_000_000_000
const SOURCE = { id: 'peer', relay: false }

function orderer (): InboundOrderer<number> {
  return new InboundOrderer<number>({ reorderTimeoutMs: 100, maxClockSkewMs: 1_000, maxBufferedPerSender: 4, maxSenders: 3 })
}

describe('InboundOrderer', () => {
  it('delivers in counter order, starting at the first counter seen', () => {
    const o = orderer()
    assert.deepEqual(o.push(A, 5, T0, 5, T0), [5])
    assert.deepEqual(o.push(A, 7, T0, 7, T0), [])
    assert.deepEqual(o.push(A, 8, T0, 8, T0), [])
    assert.deepEqual(o.push(A, 6, T0, 6, T0), [6, 7, 8])
    assert.equal(o.nextDeadline(), undefined)
  })

  it('refuses replays and duplicates, including buffered ones', () => {
    const o = orderer()
    o.push(A, 0, T0, 0, T0)
    o.push(A, 2, T0, 2, T0)
    assert.equal(o.classify(A, 0, T0, T0), 'replay')
    assert.equal(o.classify(A, 2, T0, T0), 'replay')
    assert.deepEqual(o.push(A, 0, T0, 0, T0), [])
    assert.equal(o.classify(A, 1, T0, T0), 'accept')
    assert.equal(o.classify(B, 0, T0, T0), 'accept')
  })

  it('skips a gap after the reorder timeout and then refuses the late frame', () => {
    const o = orderer()
    o.push(A, 0, T0, 0, T0)
    o.push(A, 2, T0, 2, T0 + 10)
    assert.equal(o.nextDeadline(), T0 + 110)
    assert.deepEqual(o.flush(T0 + 109), [])
    assert.deepEqual(o.flush(T0 + 110), [2])
    assert.deepEqual(o.push(A, 1, T0, 1, T0 + 120), [])
    assert.equal(o.classify(A, 1, T0, T0 + 120), 'replay')
  })

  it('skips a gap at once when too many frames wait behind it', () => {
    const o = orderer()
    o.push(A, 0, T0, 0, T0)
    for (const c of [2, 3, 4, 5]) assert.deepEqual(o.push(A, c, T0, c, T0), [])
    assert.deepEqual(o.push(A, 6, T0, 6, T0), [2, 3, 4, 5, 6])
  })

  it('refuses first frames of unknown senders outside the clock-skew window', () => {
    const o = orderer()
    assert.equal(o.classify(A, 0, T0 - 1_001, T0), 'stale')
    assert.equal(o.classify(A, 0, T0 + 1_001, T0), 'stale')
    assert.deepEqual(o.push(A, 0, T0 - 5_000, 0, T0), [])
    assert.equal(o.classify(A, 0, T0 - 1_000, T0), 'accept')
  })

  it('keeps a sender while its old frames could still pass the clock check', () => {
    const o = orderer()
    o.push(A, 3, T0, 3, T0)
    // 1.9 s later a replay of counter 3 is fresh enough for the clock check, but known
    assert.equal(o.classify(A, 3, T0 + 999, T0 + 1_900), 'replay')
    o.flush(T0 + 2_001)
    assert.equal(o.senderCount, 0)
    // once forgotten, the frame's own timestamp refuses it
    assert.equal(o.classify(A, 3, T0, T0 + 2_001), 'stale')
  })

  it('refuses new senders while the table is full of active senders', () => {
    const o = orderer()
    for (let i = 0; i < 5; i++) o.push(new Uint8Array(16).fill(10 + i), 0, T0, i, T0)
    assert.equal(o.senderCount, 3)
    assert.equal(o.classify(new Uint8Array(16).fill(10), 0, T0, T0), 'replay', 'the first three are still known')
  })

  it('ignores a sender beyond its rate budget, and lets it back as the budget refills', () => {
    const o = new InboundOrderer<number>({ senderRate: 10, senderBurst: 5 })
    for (let c = 0; c < 5; c++) assert.equal(o.admit({ senderId: A, counter: c, timestamp: T0, size: 100 }, SOURCE, T0), 'accept')
    assert.equal(o.classify(A, 5, T0, T0), 'flood')
    assert.equal(o.admit({ senderId: A, counter: 5, timestamp: T0, size: 100 }, SOURCE, T0), 'flood')
    assert.equal(o.classify(B, 0, T0, T0), 'accept', 'other senders are not affected')
    assert.equal(o.classify(A, 5, T0, T0 + 100), 'accept', '10/s refills one frame in 100 ms')
  })
})
