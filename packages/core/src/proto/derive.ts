/**
 * Derivation of a channel's gossipsub topic and payload key from the chat's
 * shared secret and the chat and app ids (PROTOCOL.md, "Derivation").
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { lengthPrefixed, utf8 } from './bytes.ts'
import { MIN_PASSPHRASE_BYTES, MIN_SECRET_BYTES, TOPIC_PREFIX } from './constants.ts'
import { InvalidOptionError } from '../errors.ts'
import { stretchPassphrase } from './stretch.ts'

/** Identifies one chat-and-app pair: the unit of privacy and isolation. */
export interface ChannelIdentity {
  /**
   * Shared by the chat's members only: 32 random bytes (at least 32 bytes
   * accepted), or a passphrase string of at least 16 UTF-8 bytes, which is
   * stretched with scrypt (~0.2 s once per chat and process).
   */
  secret: Uint8Array | string
  /** The chat's id, as the messenger names it. */
  chatId: string
  /** The webxdc app's id within the chat. */
  appId: string
}

/** What a channel's members derive: where to meet, and how to seal. */
export interface DerivedChannel {
  /** The gossipsub topic: `rtmesh/2/` followed by 64 hex digits. Reveals nothing about the inputs. */
  topic: string
  /** 32-byte XChaCha20-Poly1305 key for the channel's frames. */
  key: Uint8Array
}

const SALT = utf8('rtmesh/derive/v2')
const TOPIC_LABEL = utf8('rtmesh topic v2')
const KEY_LABEL = utf8('rtmesh key v2')

/**
 * The HKDF input key material of a secret: a `Uint8Array` as it is (at least
 * 32 bytes), a string stretched with scrypt salted by the chat id (cached).
 * Throws `InvalidOptionError`.
 */
export function secretBytes (secret: unknown, chatId: Uint8Array): Uint8Array {
  if (secret instanceof Uint8Array) {
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new InvalidOptionError('secret', `a Uint8Array secret must be at least ${MIN_SECRET_BYTES} random bytes (or pass a passphrase string), got ${secret.byteLength}`)
    }
    return secret
  }
  if (typeof secret !== 'string') throw new InvalidOptionError('secret', 'must be a Uint8Array or a string')
  const passphrase = utf8(secret)
  if (passphrase.byteLength < MIN_PASSPHRASE_BYTES) {
    throw new InvalidOptionError('secret', `a string secret must be at least ${MIN_PASSPHRASE_BYTES} UTF-8 bytes, got ${passphrase.byteLength}`)
  }
  return stretchPassphrase(passphrase, chatId)
}

function idBytes (name: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(name, 'must be a non-empty string')
  }
  return utf8(value)
}

/**
 * Derives the topic and key of a chat-and-app pair. Deterministic and
 * one-way: HKDF-SHA256 over the secret (a string secret first stretched with
 * scrypt, once per chat and process), with the length-prefixed chat and app
 * ids and a distinct label for the topic and for the key.
 *
 * @example
 * ```ts
 * const { topic, key } = deriveChannel({ secret: 'correct horse battery staple', chatId: 'chat-1', appId: 'app-1' })
 * ```
 */
export function deriveChannel (identity: ChannelIdentity): DerivedChannel {
  // JavaScript callers may pass anything
  if (typeof (identity as unknown) !== 'object' || (identity as unknown) === null) {
    throw new InvalidOptionError('identity', 'expected { secret, chatId, appId }')
  }
  const chatId = idBytes('chatId', identity.chatId)
  const ids = lengthPrefixed(chatId, idBytes('appId', identity.appId))
  const ikm = secretBytes(identity.secret, chatId)
  const topicBytes = hkdf(sha256, ikm, SALT, lengthPrefixed(TOPIC_LABEL, ids), 32)
  const key = hkdf(sha256, ikm, SALT, lengthPrefixed(KEY_LABEL, ids), 32)
  return { topic: TOPIC_PREFIX + bytesToHex(topicBytes), key }
}

/** True for strings shaped like a channel topic (used to apply channel-topic scoring). */
export function isChannelTopic (topic: string): boolean {
  return topic.length === TOPIC_PREFIX.length + 64 && topic.startsWith(TOPIC_PREFIX)
}
