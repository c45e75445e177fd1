/**
 * Bounds and timings of the update log and its mesh transport, with where
 * each value comes from. The wire format is in `PROTOCOL.md`.
 */
import type { Rate } from '@rtmesh/core/portable'

/**
 * Updates one log keeps (guess: a busy shared document or game of a few
 * hours; Delta Chat keeps every update forever, a page keeps them in memory).
 * Beyond it, or beyond {@link MAX_LOG_BYTES}, the oldest are forgotten.
 */
export const MAX_LOG_UPDATES = 10_000

/**
 * Serialized bytes (UTF-8 JSON of the updates) one log keeps: 16 MiB, about
 * what a phone's page can spare for one app (guess). At least
 * `SEND_UPDATE_MAX_SIZE`, so the largest update always fits.
 */
export const MAX_LOG_BYTES = 16 * 1024 * 1024

/**
 * Ids of forgotten updates remembered, so that a sync from an instance that
 * still has them does not hand them to the app a second time (as many as the
 * log holds; 32 hex digits each, ~0.5 MB).
 */
export const MAX_FORGOTTEN_IDS = MAX_LOG_UPDATES

/**
 * When a newly bound instance asks the others for their updates, after
 * joining the updates channel: the first heartbeats of gossipsub's mesh
 * formation (like core's presence announcements), then a late retry. Each
 * is skipped once a log answer has arrived.
 */
export const SYNC_REQUEST_DELAYS_MS = [300, 1_500, 4_000, 10_000]

/** Sync requests of one instance are at least this far apart (the schedule above and member arrivals can coincide). */
export const SYNC_MIN_INTERVAL_MS = 1_000

/**
 * Members wait a random time up to this long before answering a sync
 * request, and skip what another member's answer carried meanwhile: usually
 * one member's answer serves everybody (guess: a few relayed round trips).
 */
export const SYNC_ANSWER_JITTER_MS = 500

/**
 * A member that hears another member's log answer while its own is pending
 * waits until answers have been quiet this long (plus a random part of
 * `SYNC_ANSWER_JITTER_MS`), then sends only what nobody carried: one member
 * streams, the others fill in the gaps after. Longer than the gaps of a
 * paced answer (a full chunk every 250 ms at `SYNC_ANSWER_RATE`).
 */
export const SYNC_ANSWER_QUIET_MS = 1_000

/**
 * The longest a member defers its answer for the answers of others (a full
 * log takes ~33 s at `SYNC_ANSWER_RATE`): a member that keeps sending log
 * messages cannot silence the others for longer.
 */
export const SYNC_ANSWER_MAX_DEFER_MS = 60_000

/**
 * Bytes of log answers one instance sends per second, and in a burst: half
 * of what an rtmesh relay lets a peer send (1 MiB/s, burst 4 MiB), so the
 * page's realtime channel keeps room; a full log (16 MiB) takes ~33 s.
 */
export const SYNC_ANSWER_RATE: Rate = { rate: 512_000, burst: 1_024_000 }

/** Requesters one answer remembers serving (core's `MAX_KNOWN_MEMBERS`); a request from another one starts the answer over. */
export const MAX_ANSWER_REQUESTERS = 256

/** How often the updates channel's member list is read, to notice members arriving after a time alone. */
export const MEMBER_POLL_MS = 1_000

/**
 * How long the time an update was last carried on the channel is kept: far
 * longer than a full answer takes (see {@link SYNC_ANSWER_RATE}).
 */
export const CARRIED_TTL_MS = 120_000

/** Appended to the app id to name the updates channel of a chat-and-app pair (NUL: not part of real app ids). */
export const UPDATES_APP_SUFFIX = '\u0000updates'
