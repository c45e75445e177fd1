import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { checkFrameShape, deriveChannel, FrameKind, MAX_FRAME_SIZE, MAX_MESSAGE_SIZE, openFrame, sealFrame } from '../src/index.ts'
import type { FrameContents } from '../src/index.ts'

const { topic, key } = deriveChannel({ secret: 'envelope test secret!!', chatId: 'c', appId: 'a' })
const other = deriveChannel({ secret: 'envelope test secret!!', chatId: 'c', appId: 'b' })

function contents (payload: Uint8Array, counter = 7): FrameContents {
  return { kind: FrameKind.Data, senderId: new Uint8Array(16).fill(9), counter, timestamp: 1_700_000_000_123, payload }
}

function seal (payload: Uint8Array): Uint8Array {
  return sealFrame(key, topic, randomBytes(24), contents(payload))
}

describe('envelope', () => {
  it('round-trips payloads from 0 to 128 000 bytes exactly', () => {
    for (const size of [0, 1, 1000, MAX_MESSAGE_SIZE]) {
      const payload = randomBytes(size)
      const frame = seal(payload)
      assert.ok(frame.byteLength <= MAX_FRAME_SIZE)
      const result = openFrame(key, topic, frame)
      assert.ok(result.ok)
      assert.deepEqual(result.frame, contents(new Uint8Array(payload)))
    }
  })

  it('hides the payload and sender: equal payloads give unrelated frames', () => {
    const payload = new TextEncoder().encode('the same bytes')
    const a = seal(payload)
    const b = seal(payload)
    assert.notDeepEqual(a, b)
    assert.equal(Buffer.from(a).indexOf(Buffer.from(payload)), -1)
    assert.equal(Buffer.from(a).indexOf(Buffer.alloc(16, 9)), -1)
  })

  it('refuses frames under another key, another topic, or altered in any byte', () => {
    const frame = seal(new Uint8Array([1, 2, 3]))
    assert.deepEqual(openFrame(other.key, topic, frame), { ok: false, error: 'auth' })
    assert.deepEqual(openFrame(key, other.topic, frame), { ok: false, error: 'auth' })
    for (let i = 1; i < frame.byteLength; i++) {
      const altered = frame.slice()
      altered[i] = (altered[i] ?? 0) ^ 0x40
      assert.deepEqual(openFrame(key, topic, altered), { ok: false, error: 'auth' }, `byte ${i}`)
    }
  })

  it('names truncated, wrong-version and oversize frames', () => {
    const frame = seal(new Uint8Array(10))
    assert.deepEqual(openFrame(key, topic, new Uint8Array()), { ok: false, error: 'truncated' })
    assert.deepEqual(openFrame(key, topic, frame.subarray(0, 30)), { ok: false, error: 'truncated' })
    const v2 = frame.slice()
    v2[0] = 2
    assert.deepEqual(openFrame(key, topic, v2), { ok: false, error: 'version' })
    const huge = new Uint8Array(MAX_FRAME_SIZE + 1)
    huge[0] = 1
    assert.equal(checkFrameShape(huge), 'oversize')
    assert.equal(checkFrameShape(frame), undefined)
  })

  it('never throws on random input', () => {
    for (let i = 0; i < 2_000; i++) {
      const garbage = randomBytes(i % 300)
      if (i % 2 === 0 && garbage.byteLength > 0) garbage[0] = 1
      const result = openFrame(key, topic, garbage)
      assert.equal(result.ok, false)
    }
  })
})
