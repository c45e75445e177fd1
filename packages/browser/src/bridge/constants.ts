/**
 * The bridge's limits and defaults, with where each value comes from.
 */
import type { Rate } from '@rtmesh/core/api'

/** Bridge protocol version, carried by the port handshake (PROTOCOL.md). */
export const BRIDGE_VERSION = 1

/**
 * Messages per second a frame may post to its host, of any kind (garbage
 * included): core's default sender limit (100 frames/s, bursts of 500),
 * beyond which receivers ignore a sender anyway, so a host never publishes
 * frames nobody will take.
 */
export const DEFAULT_FRAME_MESSAGES: Rate = { rate: 100, burst: 500 }

/**
 * Payload bytes per second a frame may post (realtime data and status
 * updates): half of what a receiver takes from one forwarding peer per
 * channel (core: 2 MB/s, bursts of 4 MB), so one app cannot use up its
 * neighbours' budget alone; the burst holds 15 sends of the largest size.
 */
export const DEFAULT_FRAME_BYTES: Rate = { rate: 1_000_000, burst: 2_000_000 }

/**
 * `sendToChat` requests a host works on at once for one frame (guess: each
 * asks the user, one at a time is the normal case); more are refused at
 * once so that a frame cannot pile up pending work.
 */
export const MAX_CHAT_REQUESTS = 4

/**
 * Messages a frame keeps for the host until the port arrives (status
 * updates, update listeners, requests; realtime sends are never kept). Guess:
 * an app sends a handful of updates at start; beyond this they are dropped
 * and counted.
 */
export const MAX_QUEUED_MESSAGES = 1_000
