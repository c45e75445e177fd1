import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { deriveChannel, InvalidOptionError, isChannelTopic } from '../src/index.ts'
import { stretchPassphrase, stretchStats } from '../src/proto/stretch.ts'

// Test vectors, also listed in PROTOCOL.md, computed independently with
// Python's hashlib.scrypt and an hmac HKDF. Any change here is a wire break.
const SECRET = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
const VECTORS = [
  {
    identity: { secret: SECRET, chatId: 'chat-1', appId: 'app-1' },
    topic: 'rtmesh/2/ca759df7d0b763780ebd50fbf42cdd02a35fa5cee101007ac3af9786afece4b6',
    key: '70e611079b92c21ab243e8c196c6f8611f1d747ef6d851dfcc1aee8fe080b62a'
  },
  {
    identity: { secret: 'correct horse battery staple', chatId: 'chat-1', appId: 'app-1' },
    topic: 'rtmesh/2/4e6217e591aa4df9d36a6e43fb0014620a6cdc6296189a7d8e7a7cf1b606adb1',
    key: '4671cd42b3b79b78a2bf0ba64dc7e652ee5e16fbf87c6d1b7ec9ca2730d4e39d'
  },
  {
    identity: { secret: 'correct horse battery staple', chatId: 'chat-2', appId: 'app-1' },
    topic: 'rtmesh/2/c6e934067d0fe2a2f511e7fc573fc2742c4835ba7f115f9e7675c4f2a4f88696',
    key: '14c41203ced07c5dc9a5a9f48696868bca9491e0f6f3b02f17266a5c91a2c5ec'
  }
]
/** scrypt(passphrase, lp("rtmesh stretch v2") ‖ lp("chat-1"), N = 2^15, r = 8, p = 1, 32), from Python. */
const STRETCHED = '737d26c37c40d3045cada4e83522c1a2fa83ffae5ca7d183c4e4b40c30f3894e'

describe('deriveChannel', () => {
  it('matches the documented test vectors', () => {
    for (const vector of VECTORS) {
      const { topic, key } = deriveChannel(vector.identity)
      assert.equal(topic, vector.topic)
      assert.equal(bytesToHex(key), vector.key)
    }
  })

  it('stretches a passphrase with scrypt salted by the chat id', () => {
    const stretched = stretchPassphrase(new TextEncoder().encode('correct horse battery staple'), new TextEncoder().encode('chat-1'))
    assert.equal(bytesToHex(stretched), STRETCHED)
  })

  it('derives a string secret the same way twice, the second time from the cache', () => {
    // a passphrase no other test uses, so the first derivation pays scrypt
    const identity = { secret: `passphrase for the cache test ${Math.random()}`, chatId: 'chat', appId: 'app' }
    const before = stretchStats()
    const first = deriveChannel(identity)
    assert.equal(stretchStats().computed, before.computed + 1)
    let slowest = 0
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      const again = deriveChannel({ ...identity, appId: i === 0 ? 'app' : `app-${i}` })
      slowest = Math.max(slowest, performance.now() - started)
      if (i === 0) assert.deepEqual(again, first)
    }
    assert.equal(stretchStats().computed, before.computed + 1, 'scrypt ran once: later derivations, other apps of the chat included, hit the cache')
    // scrypt alone costs ~200 ms here (constants.ts); a cached derivation is two HKDFs (well under 1 ms)
    assert.ok(slowest < 100, `cached derivations took up to ${slowest.toFixed(1)} ms`)
  })

  it('is deterministic and shaped rtmesh/2/<64 hex>', () => {
    const a = deriveChannel({ secret: SECRET, chatId: 'c', appId: 'a' })
    const b = deriveChannel({ secret: SECRET.slice(), chatId: 'c', appId: 'a' })
    assert.deepEqual(a, b)
    assert.match(a.topic, /^rtmesh\/2\/[0-9a-f]{64}$/)
    assert.ok(isChannelTopic(a.topic))
    assert.ok(!isChannelTopic(a.topic.replace('rtmesh/2/', 'rtmesh/1/')), 'version 1 topics are not channel topics any more')
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
    // 16 bytes passed the old rule; binary secrets are 32 random bytes now
    assert.throws(() => deriveChannel({ secret: new Uint8Array(16).fill(7), chatId: 'c', appId: 'a' }), InvalidOptionError)
    assert.throws(() => deriveChannel({ secret: SECRET.subarray(0, 31), chatId: 'c', appId: 'a' }), { name: 'InvalidOptionError', message: /32/ })
    assert.throws(() => deriveChannel({ secret: 'too short', chatId: 'c', appId: 'a' }), InvalidOptionError)
    assert.throws(() => deriveChannel({ secret: SECRET, chatId: '', appId: 'a' }), InvalidOptionError)
    const untyped = { secret: 42, chatId: 'c', appId: 'a' } as unknown as Parameters<typeof deriveChannel>[0]
    assert.throws(() => deriveChannel(untyped), { name: 'InvalidOptionError' })
  })
})
