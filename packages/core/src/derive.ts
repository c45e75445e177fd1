/**
 * Derivation of a channel's gossipsub topic and payload key from the chat's
 * shared secret and the chat and app ids (PROTOCOL.md, "Derivation").
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { lengthPrefixed, utf8 } from './bytes.ts'
import { MIN_SECRET_BYTES, TOPIC_PREFIX } from './constants.ts'
import { InvalidOptionError } from './errors.ts'

/** Identifies one chat-and-app pair: the unit of privacy and isolation. */
export interface ChannelIdentity {
  /** Shared by the chat's members only: at least 16 bytes (a string is UTF-8 encoded). */
  secret: Uint8Array | string
  /** The chat's id, as the messenger names it. */
  chatId: string
  /** The webxdc app's id within the chat. */
  appId: string
}

/** What a channel's members derive: where to meet, and how to seal. */
export interface DerivedChannel {
  /** The gossipsub topic: `rtmesh/1/` followed by 64 hex digits. Reveals nothing about the inputs. */
  topic: string
  /** 32-byte XChaCha20-Poly1305 key for the channel's frames. */
  key: Uint8Array
}

const SALT = utf8('rtmesh/derive/v1')
const TOPIC_LABEL = utf8('rtmesh topic v1')
const KEY_LABEL = utf8('rtmesh key v1')

/** Validates and normalizes a channel identity; throws `InvalidOptionError`. */
export function secretBytes (secret: unknown): Uint8Array {
  let bytes: Uint8Array
  if (typeof secret === 'string') bytes = utf8(secret)
  else if (secret instanceof Uint8Array) bytes = secret
  else throw new InvalidOptionError('secret', 'must be a Uint8Array or a string')
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new InvalidOptionError('secret', `must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.byteLength}`)
  }
  return bytes
}

function idBytes (name: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(name, 'must be a non-empty string')
  }
  return utf8(value)
}

/**
 * Derives the topic and key of a chat-and-app pair. Deterministic and
 * one-way: HKDF-SHA256 over the secret, with the length-prefixed chat and app
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
  const ikm = secretBytes(identity.secret)
  const ids = lengthPrefixed(idBytes('chatId', identity.chatId), idBytes('appId', identity.appId))
  const topicBytes = hkdf(sha256, ikm, SALT, lengthPrefixed(TOPIC_LABEL, ids), 32)
  const key = hkdf(sha256, ikm, SALT, lengthPrefixed(KEY_LABEL, ids), 32)
  return { topic: TOPIC_PREFIX + bytesToHex(topicBytes), key }
}

/** True for strings shaped like a channel topic (used to apply channel-topic scoring). */
export function isChannelTopic (topic: string): boolean {
  return topic.length === TOPIC_PREFIX.length + 64 && topic.startsWith(TOPIC_PREFIX)
}
