import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  NATIVE_AEAD_MIN_BYTES, nativeAead, nativeXChaCha20Poly1305, nobleXChaCha20Poly1305, xchachaOpen, xchachaSeal
} from '../src/proto/aead.ts'
import type { XChaCha20Poly1305 } from '../src/proto/aead.ts'
import { frameId } from '../src/proto/frame-id.ts'
import { nodeCrypto } from '../src/proto/node-crypto.ts'

const crypto = nodeCrypto()
assert.ok(crypto !== undefined, 'Node provides node:crypto through process.getBuiltinModule')
const native = nativeXChaCha20Poly1305(crypto)
const noble = nobleXChaCha20Poly1305
const PATHS: Array<[string, XChaCha20Poly1305]> = [['native', native], ['noble', noble]]
const SIZES = [0, 1, 100, 65_536, 128_000]

/** draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XChaCha20_Poly1305). */
const DRAFT = {
  plain: new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
  aad: hexToBytes('50515253c0c1c2c3c4c5c6c7'),
  key: hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  nonce: hexToBytes('404142434445464748494a4b4c4d4e4f5051525354555657'),
  sealed: 'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e' +
    'c0875924c1c7987947deafd8780acf49'
}

describe('XChaCha20-Poly1305, native and noble', () => {
  it('both reproduce the draft-irtf-cfrg-xchacha test vector', () => {
    for (const [name, aead] of PATHS) {
      assert.equal(bytesToHex(aead.seal(DRAFT.key, DRAFT.nonce, DRAFT.aad, DRAFT.plain)), DRAFT.sealed, name)
      assert.deepEqual(aead.open(DRAFT.key, DRAFT.nonce, DRAFT.aad, hexToBytes(DRAFT.sealed)), DRAFT.plain, name)
    }
  })

  it('seal byte-identical output and open each other\'s, from 0 to 128 000 bytes', () => {
    for (const size of SIZES) {
      const key = randomBytes(32)
      const nonce = randomBytes(24)
      const aad = randomBytes(1 + (size % 80))
      const plain = new Uint8Array(randomBytes(size))
      const byNative = native.seal(key, nonce, aad, plain)
      const byNoble = noble.seal(key, nonce, aad, plain)
      assert.equal(Buffer.compare(byNative, byNoble), 0, `size ${size}`)
      assert.equal(byNative.byteLength, size + 16)
      assert.deepEqual(native.open(key, nonce, aad, byNoble), plain, `native opens noble, size ${size}`)
      assert.deepEqual(noble.open(key, nonce, aad, byNative), plain, `noble opens native, size ${size}`)
    }
  })

  it('leave the requested header room in front', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(24)
    const plain = new Uint8Array(randomBytes(5_000))
    const bare = noble.seal(key, nonce, Uint8Array.of(1), plain)
    for (const [name, aead] of PATHS) {
      const withRoom = aead.seal(key, nonce, Uint8Array.of(1), plain, 25)
      assert.deepEqual(withRoom.subarray(0, 25), new Uint8Array(25), name)
      assert.deepEqual(withRoom.subarray(25), bare, name)
    }
  })

  it('both refuse tampered ciphertext, tag, nonce, aad or key', () => {
    for (const size of [0, 100, 65_536]) {
      const key = randomBytes(32)
      const nonce = randomBytes(24)
      const aad = randomBytes(20)
      const sealed = noble.seal(key, nonce, aad, randomBytes(size))
      const flip = (bytes: Uint8Array, at: number): Uint8Array => {
        const copy = Uint8Array.from(bytes) // not slice(): a Buffer's slice is a view
        copy[at] = (copy[at] ?? 0) ^ 1
        return copy
      }
      for (const [name, aead] of PATHS) {
        const label = `${name}, size ${size}`
        if (size > 0) assert.equal(aead.open(key, nonce, aad, flip(sealed, 0)), undefined, `${label}: ciphertext`)
        assert.equal(aead.open(key, nonce, aad, flip(sealed, sealed.byteLength - 1)), undefined, `${label}: tag`)
        assert.equal(aead.open(key, flip(nonce, 3), aad, sealed), undefined, `${label}: nonce (HChaCha part)`)
        assert.equal(aead.open(key, flip(nonce, 20), aad, sealed), undefined, `${label}: nonce (ChaCha part)`)
        assert.equal(aead.open(key, nonce, flip(aad, 0), sealed), undefined, `${label}: aad`)
        assert.equal(aead.open(flip(key, 31), nonce, aad, sealed), undefined, `${label}: key`)
        assert.equal(aead.open(key, nonce, aad, sealed.subarray(0, sealed.byteLength - 1)), undefined, `${label}: truncated`)
      }
    }
  })

  it('open never throws on malformed input; seal refuses bad key and nonce sizes', () => {
    for (const [name, aead] of PATHS) {
      assert.equal(aead.open(randomBytes(32), randomBytes(24), new Uint8Array(), new Uint8Array(15)), undefined, name)
      assert.equal(aead.open(randomBytes(31), randomBytes(24), new Uint8Array(), new Uint8Array(40)), undefined, name)
      assert.equal(aead.open(randomBytes(32), randomBytes(12), new Uint8Array(), new Uint8Array(40)), undefined, name)
      assert.throws(() => aead.seal(randomBytes(16), randomBytes(24), new Uint8Array(), new Uint8Array(4)), name)
      assert.throws(() => aead.seal(randomBytes(32), randomBytes(12), new Uint8Array(), new Uint8Array(4)), name)
    }
  })

  it('handles inputs that are unaligned views into larger buffers', () => {
    const backing = randomBytes(200_000)
    const key = backing.subarray(1, 33)
    const nonce = backing.subarray(35, 59)
    const aad = backing.subarray(61, 70)
    const plain = backing.subarray(73, 73 + 10_000)
    const sealed = native.seal(key, nonce, aad, plain)
    assert.deepEqual(sealed, noble.seal(new Uint8Array(key), new Uint8Array(nonce), new Uint8Array(aad), new Uint8Array(plain)))
    const inside = new Uint8Array(sealed.byteLength + 3)
    inside.set(sealed, 3)
    assert.deepEqual(native.open(key, nonce, aad, inside.subarray(3)), new Uint8Array(plain))
  })

  it('the chooser uses native in Node, noble below the threshold, and returns plain Uint8Arrays', () => {
    assert.equal(nativeAead() !== undefined, true)
    for (const size of [0, NATIVE_AEAD_MIN_BYTES - 1, NATIVE_AEAD_MIN_BYTES, 128_000]) {
      const key = randomBytes(32)
      const nonce = randomBytes(24)
      const plain = new Uint8Array(randomBytes(size))
      const sealed = xchachaSeal(key, nonce, Uint8Array.of(1), plain)
      assert.deepEqual(sealed, noble.seal(key, nonce, Uint8Array.of(1), plain))
      const opened = xchachaOpen(key, nonce, Uint8Array.of(1), sealed)
      assert.equal(Object.getPrototypeOf(opened), Uint8Array.prototype)
      assert.deepEqual(opened, plain)
    }
  })
})

describe('without process.getBuiltinModule (browsers, older Node)', () => {
  it('falls back to noble for sealing, opening and hashing', () => {
    const big = Uint8Array.from({ length: 2 * NATIVE_AEAD_MIN_BYTES }, (_, i) => i & 0xff)
    const script = `
      delete process.getBuiltinModule
      const { nativeAead, xchachaOpen, xchachaSeal } = await import(${JSON.stringify(import.meta.resolve('../src/proto/aead.ts'))})
      const { frameId } = await import(${JSON.stringify(import.meta.resolve('../src/proto/frame-id.ts'))})
      const hex = (b) => Buffer.from(b).toString('hex')
      const [key, nonce, aad] = ${JSON.stringify([DRAFT.key, DRAFT.nonce, DRAFT.aad].map((b) => [...b]))}.map((a) => Uint8Array.from(a))
      const big = Uint8Array.from({ length: ${big.byteLength} }, (_, i) => i & 0xff)
      const sealed = xchachaSeal(key, nonce, aad, big)
      const opened = xchachaOpen(key, nonce, aad, sealed)
      console.log(JSON.stringify({ native: nativeAead() !== undefined, sealed: hex(sealed), opened: hex(opened), id: hex(frameId(big)) }))
    `
    const out = execFileSync(process.execPath, ['--conditions=development', '--input-type=module', '--no-warnings', '-e', script], { encoding: 'utf8' })
    assert.deepEqual(JSON.parse(out), {
      native: false,
      sealed: bytesToHex(noble.seal(DRAFT.key, DRAFT.nonce, DRAFT.aad, big)),
      opened: bytesToHex(big),
      id: bytesToHex(sha256(big))
    })
  })
})

describe('frameId', () => {
  it('is noble\'s SHA-256 of the whole frame, as a plain Uint8Array', () => {
    for (const size of [0, 74, 1_000, 128_074]) {
      const frame = new Uint8Array(randomBytes(size))
      const id = frameId(frame)
      assert.equal(Object.getPrototypeOf(id), Uint8Array.prototype)
      assert.deepEqual(id, sha256(frame))
    }
    // FIPS 180-2 "abc"
    assert.equal(bytesToHex(frameId(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('differs for frames that share a nonce', () => {
    const a = new Uint8Array(randomBytes(200))
    const b = a.slice()
    b[150] = (b[150] ?? 0) ^ 1
    assert.notDeepEqual(frameId(a), frameId(b))
  })
})
