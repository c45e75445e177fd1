/** Options of `createRealtimeNode`, validated once at construction. */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import { DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_REORDER_TIMEOUT_MS, DEFAULT_SENDER_BURST, DEFAULT_SENDER_RATE } from '../proto/constants.ts'
import { DEFAULT_DIRECT_PEERS_PER_CHANNEL } from '../proto/members.ts'
import { InvalidOptionError } from '../errors.ts'

/** Every field is optional. */
export interface RealtimeOptions {
  /** Peers or relays to connect to and stay connected to (multiaddrs with `/p2p/<id>`). */
  bootstrap?: string[]
  /**
   * How long a gap in a sender's frames holds back later ones before they
   * are delivered anyway. Default 1 000 ms.
   */
  reorderTimeoutMs?: number
  /**
   * Largest clock difference accepted on the first frame of a sender not
   * seen before; older frames are treated as replays. Default 120 000 ms.
   */
  maxClockSkewMs?: number
  /**
   * After `leave()`, stay subscribed this long (delivering nothing) so a
   * quick rejoin is served at once. Default 10 000 ms, gossipsub's
   * unsubscribe backoff.
   */
  leaveLingerMs?: number
  /**
   * Direct connections to other members a node seeks per channel, from the
   * addresses members announce in encrypted presence frames. 0 turns member
   * discovery off: no presence frames are sent and none are acted on.
   * Default 6 (gossipsub's D).
   */
  directPeersPerChannel?: number
  /**
   * Frames per second (average, and in a burst) one sender may have
   * delivered; beyond that this node ignores its frames and does not forward
   * them. Default 100/s, burst 500.
   */
  senderRate?: number
  senderBurst?: number
}

export interface RealtimeNodeOptions extends RealtimeOptions {
  /** Addresses to listen on (Node only), e.g. `/ip4/127.0.0.1/tcp/0/ws`. Default: none (client only). */
  listen?: string[]
  /** Gossipsub tuning; merged over `channelGossipsubOptions()`. */
  gossipsub?: Partial<GossipsubOpts>
}

export const DEFAULT_LEAVE_LINGER_MS = 10_000

export interface ResolvedRealtimeOptions {
  bootstrap: Multiaddr[]
  reorderTimeoutMs: number
  maxClockSkewMs: number
  leaveLingerMs: number
  directPeersPerChannel: number
  senderRate: number
  senderBurst: number
}

export function parseMultiaddrs (option: string, value: unknown): Multiaddr[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new InvalidOptionError(option, 'must be an array of multiaddr strings')
  return value.map((item: unknown) => {
    if (typeof item !== 'string') throw new InvalidOptionError(option, 'must be an array of multiaddr strings')
    try {
      return multiaddr(item)
    } catch {
      throw new InvalidOptionError(option, `not a valid multiaddr: ${item}`)
    }
  })
}

function duration (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(option, 'must be a non-negative number of milliseconds')
  }
  return value
}

function count (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(option, 'must be a non-negative integer')
  }
  return value
}

export function resolveRealtimeOptions (options: RealtimeOptions): ResolvedRealtimeOptions {
  return {
    bootstrap: parseMultiaddrs('bootstrap', options.bootstrap),
    reorderTimeoutMs: duration('reorderTimeoutMs', options.reorderTimeoutMs, DEFAULT_REORDER_TIMEOUT_MS),
    maxClockSkewMs: duration('maxClockSkewMs', options.maxClockSkewMs, DEFAULT_MAX_CLOCK_SKEW_MS),
    leaveLingerMs: duration('leaveLingerMs', options.leaveLingerMs, DEFAULT_LEAVE_LINGER_MS),
    directPeersPerChannel: count('directPeersPerChannel', options.directPeersPerChannel, DEFAULT_DIRECT_PEERS_PER_CHANNEL),
    senderRate: duration('senderRate', options.senderRate, DEFAULT_SENDER_RATE),
    senderBurst: count('senderBurst', options.senderBurst, DEFAULT_SENDER_BURST)
  }
}
