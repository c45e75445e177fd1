/**
 * Stretching of string secrets (passphrases) with scrypt before HKDF
 * (PROTOCOL.md, "Derivation"), with a small per-process cache so that
 * rejoining a channel, or joining another app of the same chat, does not pay
 * the cost again.
 */
import { scrypt } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { lengthPrefixed, utf8 } from './bytes.ts'
import { SCRYPT_N, SCRYPT_P, SCRYPT_R, STRETCH_CACHE_SIZE } from './constants.ts'

const STRETCH_LABEL = utf8('rtmesh stretch v2')

/** Insertion order is recency order; keys are hashes, not the passphrases. */
const cache = new Map<string, Uint8Array>()
let computed = 0

/**
 * scrypt(passphrase, salt = lp("rtmesh stretch v2") ‖ lp(chatId), N, r, p, 32):
 * salted per chat, so one offline guess tests one chat only.
 */
export function stretchPassphrase (passphrase: Uint8Array, chatId: Uint8Array): Uint8Array {
  const salt = lengthPrefixed(STRETCH_LABEL, chatId)
  const cacheKey = bytesToHex(sha256(lengthPrefixed(salt, passphrase)))
  const cached = cache.get(cacheKey)
  if (cached !== undefined) {
    cache.delete(cacheKey)
    cache.set(cacheKey, cached)
    return cached
  }
  computed++
  const stretched = scrypt(passphrase, salt, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, dkLen: 32 })
  cache.set(cacheKey, stretched)
  for (const oldest of cache.keys()) {
    if (cache.size <= STRETCH_CACHE_SIZE) break
    cache.delete(oldest)
  }
  return stretched
}

/** Stretched secrets cached now, and scrypt runs so far in this process (for tests). */
export function stretchStats (): { cached: number, computed: number } {
  return { cached: cache.size, computed }
}
