import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InboundOrderer } from '../src/inbound.ts'
import { SendPacer } from '../src/send-pacer.ts'
import { DEFAULT_SENDER_BURST, DEFAULT_SENDER_RATE, NEW_SENDER_BURST, SEND_PACE_FRACTION } from '../src/constants.ts'

const T0 = 1_700_000_000_000

describe('SendPacer', () => {
  it('lets a burst after joining leave no faster than receivers accept it', () => {
    // the channel's settings
    const pacer = new SendPacer<number>(
      { rate: DEFAULT_SENDER_RATE * SEND_PACE_FRACTION, burst: DEFAULT_SENDER_BURST * SEND_PACE_FRACTION },
      NEW_SENDER_BURST / 2, 500, T0)
    const receiver = new InboundOrderer<number>()
    const senderId = new Uint8Array(16).fill(3)
    const source = { id: 'sender', relay: false }
    const sent: Array<{ n: number, at: number }> = []
    for (let n = 0; n < 200; n++) {
      if (pacer.take(T0)) sent.push({ n, at: T0 })
      else assert.ok(pacer.enqueue(n))
    }
    // the channel's timer: run it at each deadline
    let now = T0
    for (let at = pacer.nextAt(now); at !== undefined; at = pacer.nextAt(now)) {
      now = at
      for (const n of pacer.release(now)) sent.push({ n, at: now })
    }
    assert.deepEqual(sent.map((s) => s.n), Array.from({ length: 200 }, (_, n) => n), 'all, in order')
    // each frame arrives up to 20 ms late and bunched: the receiver accepts every one
    for (const { n, at } of sent) {
      const arrival = at + (n % 3 === 0 ? 20 : 0)
      assert.equal(receiver.admit({ senderId, counter: n, timestamp: at, size: 100 }, source, arrival), 'accept', `frame ${n}`)
    }
    assert.ok(now - T0 < 3_000, `took ${now - T0} ms`)
  })

  it('drops what does not fit in the queue', () => {
    const pacer = new SendPacer<number>({ rate: 10, burst: 10 }, 1, 2, T0)
    assert.equal(pacer.take(T0), true)
    assert.equal(pacer.take(T0), false)
    assert.equal(pacer.enqueue(1), true)
    assert.equal(pacer.enqueue(2), true)
    assert.equal(pacer.enqueue(3), false)
    assert.equal(pacer.nextAt(T0), T0 + 100)
    assert.deepEqual(pacer.release(T0 + 100), [1])
    pacer.clear()
    assert.equal(pacer.nextAt(T0 + 100), undefined)
  })
})
