/**
 * Protocol constants and option defaults, with where each value comes from.
 */

/** Largest payload `send()` accepts (webxdc spec: "must not exceed 128 000 bytes"). */
export const MAX_MESSAGE_SIZE = 128_000

/**
 * Shortest `Uint8Array` secret accepted: 32 random bytes (256 bits) need no
 * stretching, so they take the fast HKDF-only path (16 bytes, the earlier
 * minimum, are within reach of offline guessing once they are not random).
 */
export const MIN_SECRET_BYTES = 32

/**
 * Shortest string secret (passphrase) accepted, UTF-8 encoded: 16 bytes, the
 * minimum the project's requirements set for a secret; the scrypt cost below,
 * not the length, is what makes each offline guess expensive.
 */
export const MIN_PASSPHRASE_BYTES = 16

/**
 * scrypt cost for string secrets (RFC 7914; N = 2^15, r = 8, p = 1: 32 MiB).
 * Measured with `@noble/hashes` 2.4 in Node 24.21 on this project's machine
 * (2 shared cores): 222–229 ms per derivation (N = 2^14: 110–170 ms; 2^16:
 * 400–480 ms). Every guess of an offline attacker who saw the topic pays the
 * same; a member pays once per chat and process (the result is cached).
 */
export const SCRYPT_N = 2 ** 15
export const SCRYPT_R = 8
export const SCRYPT_P = 1

/**
 * Stretched string secrets kept per process, most recently used first (guess:
 * a messenger has a few dozen chats with apps open; 64 entries of ~100 bytes).
 */
export const STRETCH_CACHE_SIZE = 64

/** Envelope version written and accepted (PROTOCOL.md). */
export const ENVELOPE_VERSION = 1

/**
 * Every channel topic starts with this; the rest is a one-way hash
 * (PROTOCOL.md). Version 2: string secrets are stretched with scrypt (version
 * 1 used HKDF alone); v1 and v2 nodes never meet on a topic.
 */
export const TOPIC_PREFIX = 'rtmesh/2/'

/** XChaCha20-Poly1305 nonce: 24 random bytes, safe to pick at random per frame. */
export const NONCE_BYTES = 24
/** Poly1305 tag. */
export const TAG_BYTES = 16
/** Random per-join sender id, inside the ciphertext. */
export const SENDER_ID_BYTES = 16

/** version (1) + nonce (24). */
export const OUTER_HEADER_BYTES = 1 + NONCE_BYTES
/** kind (1) + sender id (16) + counter (8) + timestamp (8). */
export const INNER_HEADER_BYTES = 1 + SENDER_ID_BYTES + 8 + 8

/** Smallest well-formed frame: an empty payload. */
export const MIN_FRAME_SIZE = OUTER_HEADER_BYTES + INNER_HEADER_BYTES + TAG_BYTES
/** Largest well-formed frame: a 128 000-byte payload. */
export const MAX_FRAME_SIZE = MIN_FRAME_SIZE + MAX_MESSAGE_SIZE

/**
 * How long a gap in one sender's counters holds back later frames before
 * they are delivered anyway (guess: a few RTTs of a relayed path; gaps only
 * occur on loss or path changes, so the wait is rarely paid).
 */
export const DEFAULT_REORDER_TIMEOUT_MS = 1_000

/**
 * Frames from a sender not seen before must carry a timestamp within this
 * distance of the receiver's clock (guess: NTP-synced devices agree within
 * seconds; two minutes matches gossipsub's seen-cache TTL).
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 120_000

/**
 * Senders tracked per channel (guess: a chat of a few hundred members, each
 * rejoining a few times, within the remembering window). When the table is
 * full a new sender may only take the place of one silent for at least
 * `maxClockSkewMs` (whose frames, sent with an honest clock, are then stale
 * anyway); otherwise the new sender's frame is refused (`tableFull`).
 */
export const MAX_SENDERS_PER_CHANNEL = 4_096

/** Out-of-order frames buffered per sender before its gap is skipped (guess: 2.5 s of a 100/s sender). */
export const MAX_BUFFERED_PER_SENDER = 256

/**
 * Out-of-order frames, and their bytes, buffered per channel over all
 * senders; beyond either the oldest gap of the channel is skipped at once
 * (guess: 128 full-size frames, 16 MiB, is what a phone can hold per channel).
 */
export const MAX_BUFFERED_PER_CHANNEL = 1_024
export const MAX_BUFFERED_BYTES_PER_CHANNEL = 16 * 1024 * 1024

/**
 * Delay between attempts to reconnect to a bootstrap peer: starts small,
 * doubles to the cap (guess; a relay restart takes a few seconds).
 */
export const BOOTSTRAP_RETRY_MIN_MS = 500
export const BOOTSTRAP_RETRY_MAX_MS = 10_000

/**
 * Frames one sender may have delivered per second on average, and in a burst,
 * before this node ignores (and stops forwarding) its frames: stops a member
 * whose app sends in a tight loop at the first honest hop (guess: realtime
 * games send ~60/s; the relay's per-peer limit is the same 100/s).
 */
export const DEFAULT_SENDER_RATE = 100
export const DEFAULT_SENDER_BURST = 500

/**
 * Frames a sender id not seen before may have accepted at once: the full
 * sender burst, so an app's burst right after a receiver joined arrives
 * whole. Rotating sender ids buys nothing beyond the budget of the
 * forwarding peer and its allowance of new ids (below), and a relay holds
 * each of its clients to its own per-peer budget.
 */
export const NEW_SENDER_BURST = DEFAULT_SENDER_BURST

/**
 * Budget of one forwarding peer (gossipsub propagation source) per channel,
 * whatever sender ids its frames carry: a member cannot escape it by
 * rotating ids. A direct neighbour first-delivers its own frames and its
 * share of the others' (guess: 3 senders' worth; 300 frames/s saturated this
 * 2-core machine in the N = 30 benchmark).
 */
export const SOURCE_FRAME_RATE = 300
export const SOURCE_FRAME_BURST = 1_000

/**
 * Bytes one forwarding peer may deliver per channel, beside the frame
 * budget: a 128 000-byte frame costs 1 700 times a 74-byte one (guess: 15
 * full-size frames/s; the benchmark's 10 peers × 128 000 B/s is 1.2 MB/s per
 * receiver; the burst is 31 full-size frames).
 */
export const SOURCE_BYTE_RATE = 2_000_000
export const SOURCE_BYTE_BURST = 4_000_000

/**
 * Sender ids not seen before that one forwarding peer may introduce per
 * channel (guess: members join at human pace; the burst lets a node joining
 * a channel of 32 members behind one neighbour hear them all at once).
 */
export const SOURCE_NEW_SENDER_RATE = 1
export const SOURCE_NEW_SENDER_BURST = 32

/**
 * An rtmesh relay's budgets are this many times a member peer's: it
 * forwards every member behind it (guess: 10 busy members; the relay itself
 * holds each of its peers to 100 frames/s).
 */
export const RELAY_SOURCE_FACTOR = 10

/** Forwarding peers tracked per channel (libp2p's default connection limit is 300). */
export const MAX_SOURCES_PER_CHANNEL = 1_024

/**
 * Protocol rtmesh relays register, so that peers recognise them after
 * identify: a relay cannot authenticate channel frames, so frames it
 * forwards that fail authentication are dropped without penalizing it.
 */
export const RELAY_PROTOCOL = '/rtmesh/relay/1.0.0'
