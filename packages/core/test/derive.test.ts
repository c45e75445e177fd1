import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { deriveChannel, InvalidOptionError, isChannelTopic } from '../src/index.ts'

// Test vectors, also listed in PROTOCOL.md. Any change here is a wire break.
const SECRET = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
const VECTORS = [
  {
    identity: { secret: SECRET, chatId: 'chat-1', appId: 'app-1' },
    topic: 'rtmesh/1/89467c7e108951d9120b09d89ca86c2bc2e2533527b1020e0b50bdc2f9781d16',
    key: '6c26f689ab464927669e2403f06643ba65b6a2f5cc14b450f2e9354fa89e303a'
  },
  {
    identity: { secret: 'correct horse battery staple', chatId: 'chat-1', appId: 'app-1' },
    topic: 'rtmesh/1/3ed9564ae0f8cf3080ac221c2c574051d51bee0df2d6ac613556dfbfc89a9498',
    key: '9b543f04fdf6a05c08feae9669dbde7c243be82520a0cd745c8a1394fb63ceeb'
  }
]

describe('deriveChannel', () => {
  it('matches the documented test vectors', () => {
    for (const vector of VECTORS) {
      const { topic, key } = deriveChannel(vector.identity)
      assert.equal(topic, vector.topic)
      assert.equal(bytesToHex(key), vector.key)
    }
  })

  it('is deterministic and shaped rtmesh/1/<64 hex>', () => {
    const a = deriveChannel({ secret: SECRET, chatId: 'c', appId: 'a' })
    const b = deriveChannel({ secret: SECRET.slice(), chatId: 'c', appId: 'a' })
    assert.deepEqual(a, b)
    assert.match(a.topic, /^rtmesh\/1\/[0-9a-f]{64}$/)
    assert.ok(isChannelTopic(a.topic))
    assert.equal(a.key.byteLength, 32)
  })

  it('gives every secret, chat and app its own topic and key', () => {
    const variants = [
      { secret: SECRET, chatId: 'c', appId: 'a' },
      { secret: SECRET.map((x) => x ^ 1), chatId: 'c', appId: 'a' },
      { secret: SECRET, chatId: 'c2', appId: 'a' },
      { secret: SECRET, chatId: 'c', appId: 'a2' },
      // field boundaries are unambiguous: ("ab", "c") is not ("a", "bc")
      { secret: SECRET, chatId: 'ab', appId: 'c' },
      { secret: SECRET, chatId: 'a', appId: 'bc' }
    ]
    const derived = variants.map((v) => deriveChannel(v))
    assert.equal(new Set(derived.map((d) => d.topic)).size, variants.length)
    assert.equal(new Set(derived.map((d) => bytesToHex(d.key))).size, variants.length)
  })

  it('does not reveal the key or the ids in the topic', () => {
    const { topic, key } = deriveChannel({ secret: SECRET, chatId: 'visible-chat', appId: 'visible-app' })
    assert.ok(!topic.includes(bytesToHex(key)))
    assert.ok(!topic.includes('visible'))
    assert.ok(!topic.includes(bytesToHex(SECRET)))
  })

  it('refuses short secrets and bad ids with InvalidOptionError', () => {
    assert.throws(() => deriveChannel({ secret: new Uint8Array(15), chatId: 'c', appId: 'a' }), InvalidOptionError)
    assert.throws(() => deriveChannel({ secret: 'too short', chatId: 'c', appId: 'a' }), InvalidOptionError)
    assert.throws(() => deriveChannel({ secret: SECRET, chatId: '', appId: 'a' }), InvalidOptionError)
    const untyped = { secret: 42, chatId: 'c', appId: 'a' } as unknown as Parameters<typeof deriveChannel>[0]
    assert.throws(() => deriveChannel(untyped), { name: 'InvalidOptionError' })
  })
})
