import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { checkFrameShape, deriveChannel, FrameKind, MAX_FRAME_SIZE, MAX_MESSAGE_SIZE, openFrame, sealFrame } from '../src/index.ts'
import type { FrameContents } from '../src/index.ts'
import { frameId } from '../src/proto/frame-id.ts'

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

// Test vectors, also listed in PROTOCOL.md ("Envelope"), computed with the
// pure-JS (noble) envelope before the native AEAD path existed: any change
// here is a wire break. The fixed nonce is for the vectors only.
const VECTOR_KEY = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
const VECTOR_NONCE = hexToBytes('404142434445464748494a4b4c4d4e4f5051525354555657')
const VECTOR_TOPIC = 'rtmesh/2/ca759df7d0b763780ebd50fbf42cdd02a35fa5cee101007ac3af9786afece4b6'
const VECTOR_SENDER = hexToBytes('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf')
const VECTORS = [
  {
    counter: 0,
    payload: new Uint8Array(),
    frame: '01404142434445464748494a4b4c4d4e4f5051525354555657d499a4d27344dcb0285c2e140430c83c3dbaadc41359539a6a31fd4482cbc6f816ca3a410920045208c56a3bde8c854949',
    id: '65c5bde434df908450ba03e3ddf1e16f30b08ca76716ca852803e739fb3e76a8'
  },
  {
    counter: 1,
    payload: new TextEncoder().encode('hello'),
    frame: '01404142434445464748494a4b4c4d4e4f5051525354555657d499a4d27344dcb0285c2e140430c83c3dbaadc41359539a6b31fd4482cbc6f81691670239fda7cc0d9bb3a2748d7530543efbe89dfa',
    id: 'ee5d88fa731d0294e762d9ae8ec041c9925d43171995e96a91e94faea36b0110'
  },
  {
    // byte i of the payload is i mod 251; the frame (128 074 bytes) is given by its id
    counter: 2,
    payload: Uint8Array.from({ length: MAX_MESSAGE_SIZE }, (_, i) => i % 251),
    frame: undefined,
    id: 'c609127e19614a9cf1c6872dbdd58c3aeda2dc681f1fb9ad5d34fae953210a8f'
  }
]

describe('envelope test vectors', () => {
  for (const vector of VECTORS) {
    it(`seals and opens the ${vector.payload.byteLength}-byte vector, message id included`, () => {
      const contents: FrameContents = {
        kind: FrameKind.Data, senderId: VECTOR_SENDER, counter: vector.counter, timestamp: 1_700_000_000_000, payload: vector.payload
      }
      const frame = sealFrame(VECTOR_KEY, VECTOR_TOPIC, VECTOR_NONCE, contents)
      if (vector.frame !== undefined) assert.equal(bytesToHex(frame), vector.frame)
      assert.equal(bytesToHex(frameId(frame)), vector.id)
      // gossipsub hands frames over as Buffers too
      for (const received of [frame, Buffer.from(frame)]) {
        const opened = openFrame(VECTOR_KEY, VECTOR_TOPIC, received)
        assert.ok(opened.ok)
        assert.deepEqual(opened.frame, contents)
      }
    })
  }
})
