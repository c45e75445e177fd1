/**
 * The gossipsub message id of a frame: SHA-256 of the whole frame
 * (PROTOCOL.md, "Envelope"), natively in Node and with @noble/hashes
 * elsewhere. Not derived from the nonce alone: gossipsub records ids in its
 * seen cache before the validator runs, so a forged frame carrying a copied
 * nonce would shadow the real one.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from './node-crypto.ts'

let native: ((frame: Uint8Array) => Uint8Array) | null | undefined

function nativeSha256 (): ((frame: Uint8Array) => Uint8Array) | undefined {
  if (native === undefined) {
    native = null
    const crypto = nodeCrypto()
    // crypto.hash (Node ≥ 20.12 / 21.7), the one-shot form, is ~2× faster than createHash on small frames
    if (typeof crypto?.hash === 'function') {
      native = (frame) => plainView(crypto.hash('sha256', frame, 'buffer'))
    } else if (crypto !== undefined) {
      native = (frame) => plainView(crypto.createHash('sha256').update(frame).digest())
    }
  }
  return native ?? undefined
}

function plainView (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** SHA-256 of `frame`: 32 bytes, the same on every platform. */
export function frameId (frame: Uint8Array): Uint8Array {
  return (nativeSha256() ?? sha256)(frame)
}
