/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), the envelope's AEAD, on
 * the platform's native ChaCha20-Poly1305 where there is one (Node's OpenSSL)
 * and on @noble/ciphers elsewhere. Both give the same bytes: XChaCha20-Poly1305
 * under (key, nonce) is ChaCha20-Poly1305 (RFC 8439) under the subkey
 * HChaCha20(key, nonce[0..16]) with the nonce 0x00000000 ‖ nonce[16..24].
 */
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { TAG_BYTES } from './constants.ts'
import { nodeCrypto } from './node-crypto.ts'
import type { NodeCryptoModule } from './node-crypto.ts'

const KEY_BYTES = 32
const XNONCE_BYTES = 24
const HCHACHA_NONCE_BYTES = 16

/**
 * Plaintexts (and ciphertexts without the tag) shorter than this many bytes
 * go through noble even in Node: each native call pays ~20–40 µs in
 * `createCipheriv`. Measured in Node 24.21 on this project's machine (2
 * shared cores), CPU µs per seal + open, noble vs native, two runs: 33 B
 * 51–74 vs 92–108, 1 KB 78–81 vs 82–104, 2 KB 72–97 vs 74–108, 3 KB 88–114
 * vs 80–106, 4 KB 113–134 vs 89–100, 6 KB 159–174 vs 98–99; 128 KB (wall
 * time) ~2 200 vs ~360.
 */
export const NATIVE_AEAD_MIN_BYTES = 2_048

/** One implementation of XChaCha20-Poly1305 with a 16-byte tag. */
export interface XChaCha20Poly1305 {
  /**
   * `headerBytes` zero bytes (room for the caller's header, saving a copy)
   * ‖ ciphertext ‖ tag. Throws on a key that is not 32 bytes or a nonce that
   * is not 24.
   */
  seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array, headerBytes?: number) => Uint8Array
  /** The plaintext, or undefined if `sealed` does not authenticate. Never throws. */
  open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array | undefined
}

/** Pure JavaScript: every platform. */
export const nobleXChaCha20Poly1305: XChaCha20Poly1305 = {
  seal: (key, nonce, aad, plain, headerBytes = 0) => {
    const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plain)
    if (headerBytes === 0) return sealed
    const out = new Uint8Array(headerBytes + sealed.byteLength)
    out.set(sealed, headerBytes)
    return out
  },
  open: (key, nonce, aad, sealed) => {
    try {
      return xchacha20poly1305(key, nonce, aad).decrypt(sealed)
    } catch {
      return undefined
    }
  }
}

/**
 * A copy of `bytes` (a multiple of 4 long) as 32-bit words, as noble's
 * `hchacha` reads them: aligned, whatever view it was given (not `slice()`,
 * which on a Node Buffer is a view into the same memory).
 */
function words (bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes)
  return new Uint32Array(copy.buffer, 0, copy.byteLength / 4)
}

/** "expand 32-byte k" (RFC 8439 §2.3). */
const SIGMA = words(Uint8Array.from('expand 32-byte k', (c) => c.charCodeAt(0)))

function checkSizes (key: Uint8Array, nonce: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) throw new RangeError(`key must be ${KEY_BYTES} bytes`)
  if (nonce.byteLength !== XNONCE_BYTES) throw new RangeError(`nonce must be ${XNONCE_BYTES} bytes`)
}

/** HChaCha20(key, nonce[0..16]): the ChaCha20 key of an XChaCha20 nonce. */
function subkey (key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_BYTES)
  hchacha(SIGMA, words(key), words(nonce.subarray(0, HCHACHA_NONCE_BYTES)), new Uint32Array(out.buffer))
  return out
}

/** 0x00000000 ‖ nonce[16..24]: the RFC 8439 nonce of an XChaCha20 nonce. */
function ietfNonce (nonce: Uint8Array): Uint8Array {
  const out = new Uint8Array(12)
  out.set(nonce.subarray(HCHACHA_NONCE_BYTES), 4)
  return out
}

/** A plain Uint8Array over a Buffer's bytes (no copy), so callers see one type whichever path ran. */
function plainView (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** On `node:crypto`'s ChaCha20-Poly1305, with noble's HChaCha20 for the subkey. */
export function nativeXChaCha20Poly1305 (crypto: NodeCryptoModule): XChaCha20Poly1305 {
  return {
    seal: (key, nonce, aad, plain, headerBytes = 0) => {
      checkSizes(key, nonce)
      const k = subkey(key, nonce)
      const cipher = crypto.createCipheriv('chacha20-poly1305', k, ietfNonce(nonce), { authTagLength: TAG_BYTES })
      k.fill(0)
      cipher.setAAD(aad, { plaintextLength: plain.byteLength })
      const out = new Uint8Array(headerBytes + plain.byteLength + TAG_BYTES)
      const body = cipher.update(plain)
      out.set(body, headerBytes)
      out.set(cipher.final(), headerBytes + body.byteLength) // empty for a stream cipher
      out.set(cipher.getAuthTag(), headerBytes + plain.byteLength)
      return out
    },
    open: (key, nonce, aad, sealed) => {
      try {
        checkSizes(key, nonce)
        if (sealed.byteLength < TAG_BYTES) return undefined
        const length = sealed.byteLength - TAG_BYTES
        const k = subkey(key, nonce)
        const decipher = crypto.createDecipheriv('chacha20-poly1305', k, ietfNonce(nonce), { authTagLength: TAG_BYTES })
        k.fill(0)
        decipher.setAuthTag(sealed.subarray(length))
        decipher.setAAD(aad, { plaintextLength: length })
        const plain = decipher.update(sealed.subarray(0, length))
        const rest = decipher.final() // throws if the tag does not verify
        if (rest.byteLength === 0) return plainView(plain)
        const out = new Uint8Array(length)
        out.set(plain)
        out.set(rest, plain.byteLength)
        return out
      } catch {
        return undefined
      }
    }
  }
}

/**
 * Whether `candidate` seals a known input exactly as noble does and opens it:
 * a runtime that offers `node:crypto` without a working ChaCha20-Poly1305
 * keeps the portable code.
 */
function agreesWithNoble (candidate: XChaCha20Poly1305): boolean {
  const key = Uint8Array.from({ length: KEY_BYTES }, (_, i) => i)
  const nonce = Uint8Array.from({ length: XNONCE_BYTES }, (_, i) => 0x40 + i)
  const aad = Uint8Array.of(1, 2, 3)
  const plain = Uint8Array.from({ length: 100 }, (_, i) => i * 7)
  const expected = nobleXChaCha20Poly1305.seal(key, nonce, aad, plain)
  const sealed = candidate.seal(key, nonce, aad, plain)
  const opened = candidate.open(key, nonce, aad, sealed)
  return equal(sealed, expected) && opened !== undefined && equal(opened, plain)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

let native: XChaCha20Poly1305 | null | undefined

/** The native implementation if this runtime has a working one (checked once). */
export function nativeAead (): XChaCha20Poly1305 | undefined {
  if (native === undefined) {
    native = null
    const crypto = nodeCrypto()
    if (crypto !== undefined) {
      try {
        const candidate = nativeXChaCha20Poly1305(crypto)
        if (agreesWithNoble(candidate)) native = candidate
      } catch {
        // no chacha20-poly1305 in this runtime's node:crypto
      }
    }
  }
  return native ?? undefined
}

function pick (length: number): XChaCha20Poly1305 {
  return length >= NATIVE_AEAD_MIN_BYTES ? nativeAead() ?? nobleXChaCha20Poly1305 : nobleXChaCha20Poly1305
}

/**
 * XChaCha20-Poly1305 seal, the fastest way this runtime has: `headerBytes`
 * zero bytes ‖ ciphertext ‖ 16-byte tag.
 */
export function xchachaSeal (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array, headerBytes = 0): Uint8Array {
  return pick(plain.byteLength).seal(key, nonce, aad, plain, headerBytes)
}

/** XChaCha20-Poly1305 open: the plaintext, or undefined if `sealed` does not authenticate. Never throws. */
export function xchachaOpen (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  return pick(sealed.byteLength - TAG_BYTES).open(key, nonce, aad, sealed)
}
