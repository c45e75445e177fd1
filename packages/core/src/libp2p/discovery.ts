/**
 * Member discovery inside channels: each member announces its addresses in
 * an encrypted presence frame, and members dial a few of each other
 * directly, so the mesh of a channel does not depend on relays once formed.
 * Addresses are revealed to members only.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealtimeChannel } from '../api/channel.ts'
import { decodePresence, encodePresence, PRESENCE_KIND } from '../proto/presence.ts'
import type { Presence } from '../proto/presence.ts'
import { peerIdOf } from './relays.ts'

/** Direct connections to other members a node seeks per channel (gossipsub's D). */
export const DEFAULT_DIRECT_PEERS_PER_CHANNEL = 6
/** When a new member announces itself after joining: covers the first heartbeats of mesh formation. */
const ANNOUNCE_DELAYS_MS = [200, 1_200, 4_000]
/** Regular re-announcement, so members that missed one still meet (guess). */
const REANNOUNCE_MS = 60_000
/** Replies to newcomers are batched this long. */
const REPLY_DEBOUNCE_MS = 150
/** A member whose dial failed is not dialled again for this long. */
const DIAL_BACKOFF_MS = 30_000
/** Members remembered per channel. */
const MAX_KNOWN_MEMBERS = 256
/** A member not heard from for this long (two missed re-announcements and then some) is gone. */
const MEMBER_TTL_MS = 2 * REANNOUNCE_MS + 30_000

/** A channel member as this node knows it. */
export interface MemberInfo {
  peerId: string
  /** True while this node has a direct (not relayed) connection to the member. */
  direct: boolean
}

interface ChannelState {
  timers: Set<ReturnType<typeof setTimeout>>
  reply: ReturnType<typeof setTimeout> | undefined
  members: Map<string, Presence & { seen: number }>
}

export class Discovery {
  private readonly libp2p: Libp2p
  private readonly log: Logger
  private readonly directPeers: number
  private readonly channels = new Map<RealtimeChannel, ChannelState>()
  private readonly failedAt = new Map<string, number>()
  private readonly dialing = new Set<string>()
  private addressTimer: ReturnType<typeof setTimeout> | undefined
  /** Our addresses changed (a relay reservation came or went): tell every channel. */
  private readonly onSelfUpdate = (): void => {
    if (this.addressTimer !== undefined || this.channels.size === 0) return
    this.addressTimer = setTimeout(() => {
      this.addressTimer = undefined
      for (const channel of this.channels.keys()) this.announce(channel)
    }, REPLY_DEBOUNCE_MS)
  }

  constructor (libp2p: Libp2p, log: Logger, directPeers = DEFAULT_DIRECT_PEERS_PER_CHANNEL) {
    this.libp2p = libp2p
    this.log = log
    this.directPeers = directPeers
    if (directPeers > 0) libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
  }

  attach (channel: RealtimeChannel): void {
    if (this.directPeers === 0) return
    const state: ChannelState = { timers: new Set(), reply: undefined, members: new Map() }
    this.channels.set(channel, state)
    for (const delay of ANNOUNCE_DELAYS_MS) this.later(state, delay, () => { this.announce(channel) })
    const every = (): void => {
      this.announce(channel)
      this.later(state, REANNOUNCE_MS, every)
    }
    this.later(state, REANNOUNCE_MS, every)
  }

  detach (channel: RealtimeChannel): void {
    const state = this.channels.get(channel)
    if (state === undefined) return
    for (const timer of state.timers) clearTimeout(timer)
    if (state.reply !== undefined) clearTimeout(state.reply)
    this.channels.delete(channel)
  }

  stop (): void {
    this.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
    clearTimeout(this.addressTimer)
    for (const channel of [...this.channels.keys()]) this.detach(channel)
  }

  /** Handles a presence frame received on `channel`. */
  onPresence (channel: RealtimeChannel, payload: Uint8Array): void {
    const state = this.channels.get(channel)
    const presence = decodePresence(payload)
    if (state === undefined || presence === undefined || presence.peerId === this.libp2p.peerId.toString()) return
    const isNew = !state.members.has(presence.peerId)
    state.members.delete(presence.peerId)
    if (presence.bye === true) return
    state.members.set(presence.peerId, { ...presence, seen: Date.now() })
    if (state.members.size > MAX_KNOWN_MEMBERS) {
      const oldest = state.members.keys().next().value
      if (oldest !== undefined) state.members.delete(oldest)
    }
    if (isNew && state.reply === undefined) {
      // tell the newcomer about us, once for any number of newcomers
      state.reply = setTimeout(() => {
        state.reply = undefined
        this.announce(channel)
      }, REPLY_DEBOUNCE_MS)
    }
    this.connectMembers(state)
  }

  /** Members of `channel` heard from recently (presence), with whether they are directly connected. */
  members (channel: RealtimeChannel): MemberInfo[] {
    const state = this.channels.get(channel)
    if (state === undefined) return []
    const now = Date.now()
    for (const [id, member] of state.members) if (now - member.seen > MEMBER_TTL_MS) state.members.delete(id)
    return [...state.members.keys()].map((peerId) => ({ peerId, direct: this.isConnected(peerId) }))
  }

  /** Tells the other members this node leaves `channel` (before it unsubscribes). */
  bye (channel: RealtimeChannel): void {
    if (!this.channels.has(channel)) return
    channel.sendControl(PRESENCE_KIND, encodePresence({ peerId: this.libp2p.peerId.toString(), multiaddrs: [], bye: true }))
  }

  private later (state: ChannelState, delay: number, fn: () => void): void {
    const timer = setTimeout(() => {
      state.timers.delete(timer)
      fn()
    }, delay)
    state.timers.add(timer)
  }

  private announce (channel: RealtimeChannel): void {
    const multiaddrs = this.libp2p.getMultiaddrs().map((ma) => ma.toString())
    channel.sendControl(PRESENCE_KIND, encodePresence({ peerId: this.libp2p.peerId.toString(), multiaddrs }))
  }

  private isConnected (peerId: string): boolean {
    return this.libp2p.getConnections().some((c) => c.remotePeer.toString() === peerId && c.status === 'open' && c.limits === undefined)
  }

  private connectMembers (state: ChannelState): void {
    const members = [...state.members.values()]
    let connected = members.filter((m) => this.isConnected(m.peerId)).length
    const now = Date.now()
    for (const member of shuffle(members)) {
      if (connected >= this.directPeers) return
      if (this.isConnected(member.peerId) || this.dialing.has(member.peerId)) continue
      if (now - (this.failedAt.get(member.peerId) ?? -Infinity) < DIAL_BACKOFF_MS) continue
      const addrs = dialable(member)
      if (addrs.length === 0) continue
      connected++
      this.dialing.add(member.peerId)
      this.libp2p.dial(addrs)
        .then(() => { this.failedAt.delete(member.peerId) })
        .catch((err: unknown) => {
          this.failedAt.set(member.peerId, Date.now())
          this.log('direct dial to member %s failed: %e', member.peerId, err)
        })
        .finally(() => { this.dialing.delete(member.peerId) })
    }
  }
}

/** The member's addresses that name it and parse; relayed addresses last. */
function dialable (member: Presence): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const text of member.multiaddrs) {
    try {
      const ma = multiaddr(text)
      if (peerIdOf(ma) !== member.peerId) continue
      out.push(ma)
    } catch {
      // an address we cannot parse is skipped
    }
  }
  const relayed = (ma: Multiaddr): number => ma.getComponents().some((c) => c.name === 'p2p-circuit') ? 1 : 0
  return out.sort((a, b) => relayed(a) - relayed(b))
}

function shuffle<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const a = items[i]
    const b = items[j]
    if (a !== undefined && b !== undefined) { items[i] = b; items[j] = a }
  }
  return items
}
