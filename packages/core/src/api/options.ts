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

/**
 * A STUN or TURN server for WebRTC, as in `RTCIceServer`:
 * `{ urls: 'stun:stun.example.org:3478' }`,
 * `{ urls: ['turn:turn.example.org:3478'], username, credential }`.
 */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export interface RealtimeNodeOptions extends RealtimeOptions {
  /** Addresses to listen on (Node only), e.g. `/ip4/127.0.0.1/tcp/0/ws`. Default: none (client only). */
  listen?: string[]
  /**
   * Direct WebRTC links to members (browsers and other nodes), signalled
   * through the relays: the node reserves a slot on one of its `bootstrap`
   * relays (reachable at `<relay>/p2p-circuit/p2p/<id>`) and accepts WebRTC
   * through it, and its presence frames carry those addresses. Default: on
   * when `bootstrap` is given, off otherwise (without relays there is no one
   * to signal through).
   */
  webrtc?: boolean
  /**
   * ICE servers for WebRTC. Default none: direct links use host candidates
   * only (peers on one network); give STUN/TURN servers to cross NATs.
   */
  iceServers?: IceServer[]
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

/** URL schemes of ICE servers (RFC 7064, RFC 7065). */
const ICE_SCHEMES = ['stun:', 'stuns:', 'turn:', 'turns:']

/** Checks `iceServers`; returns copies holding only the known fields. */
export function parseIceServers (value: unknown): IceServer[] {
  if (value === undefined) return []
  const bad = (why: string): InvalidOptionError => new InvalidOptionError('iceServers', why)
  if (!Array.isArray(value)) throw bad('must be an array of { urls, username?, credential? }')
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw bad('must be an array of { urls, username?, credential? }')
    const { urls, username, credential } = item as Record<string, unknown>
    const list = typeof urls === 'string' ? [urls] : urls
    if (!Array.isArray(list) || list.length === 0) throw bad('urls must be a URL string or a non-empty array of them')
    for (const url of list) {
      if (typeof url !== 'string' || !ICE_SCHEMES.some((scheme) => url.startsWith(scheme))) {
        throw bad(`not a stun:, stuns:, turn: or turns: URL: ${String(url)}`)
      }
    }
    if (username !== undefined && typeof username !== 'string') throw bad('username must be a string')
    if (credential !== undefined && typeof credential !== 'string') throw bad('credential must be a string')
    return {
      urls: [...list as string[]],
      ...(username === undefined ? {} : { username }),
      ...(credential === undefined ? {} : { credential })
    }
  })
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

/** WebRTC as configured: `undefined` when off. */
export interface ResolvedWebrtcOptions {
  iceServers: IceServer[]
}

/**
 * Checks `webrtc` and `iceServers` (both always checked) and applies the
 * default: on when there are bootstrap relays to signal through.
 */
export function resolveWebrtcOptions (options: Pick<RealtimeNodeOptions, 'webrtc' | 'iceServers'>, hasBootstrap: boolean): ResolvedWebrtcOptions | undefined {
  const { webrtc, iceServers } = options
  if (webrtc !== undefined && typeof webrtc !== 'boolean') throw new InvalidOptionError('webrtc', 'must be true or false')
  const servers = parseIceServers(iceServers)
  return (webrtc ?? hasBootstrap) ? { iceServers: servers } : undefined
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
