/**
 * The member table of one channel, and the decisions of member discovery
 * (PROTOCOL.md, "Presence"): when to announce, whom to dial, who is still
 * here. Pure: the clock and randomness are arguments; the caller announces,
 * dials and reports back.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Presence } from './presence.ts'
import { peerIdOf } from './relays.ts'

/** Direct connections to other members a node seeks per channel (gossipsub's D). */
export const DEFAULT_DIRECT_PEERS_PER_CHANNEL = 6
/** When a new member announces itself after joining: covers the first heartbeats of mesh formation. */
export const ANNOUNCE_DELAYS_MS = [200, 1_200, 4_000]
/** Regular re-announcement, so members that missed one still meet. */
export const REANNOUNCE_MS = 60_000
/** Replies to newcomers, and announcements of changed addresses, are batched this long. */
export const REPLY_DEBOUNCE_MS = 150
/** A member whose dial failed is not dialled again for this long. */
export const DIAL_BACKOFF_MS = 30_000
/** Members remembered per channel. */
export const MAX_KNOWN_MEMBERS = 256
/**
 * A member not heard from for this long (two missed re-announcements and then
 * some) is gone: reported `lost`. 2.5 × `REANNOUNCE_MS`, not 2 ×: announcements
 * come exactly every 60 s, so a TTL of 120 s would report a member lost on one
 * lost presence frame.
 */
export const MEMBER_TTL_MS = 2 * REANNOUNCE_MS + 30_000

/** How often members re-announce themselves and when one not heard from is gone. */
export interface PresenceTiming {
  /** Regular re-announcement interval (ms); default `REANNOUNCE_MS`. */
  reannounceMs: number
  /** A member not heard from for this long is lost (ms); default `MEMBER_TTL_MS`. */
  memberTtlMs: number
}

export const DEFAULT_PRESENCE_TIMING: PresenceTiming = { reannounceMs: REANNOUNCE_MS, memberTtlMs: MEMBER_TTL_MS }

/** A channel member as this node knows it (`node.members()`). */
export interface MemberInfo {
  /** The libp2p peer id the member announced in its presence frames. */
  peerId: string
  /** True while this node has a direct (not relayed) connection to the member. */
  direct: boolean
}

/** A channel member with its current join (`channel.rtmesh.members()`). */
export interface ChannelMember extends MemberInfo {
  /** The member's current join: the sender id of its frames, 32 hex digits (a new one each time it joins). */
  senderId: string
}

/**
 * A change of the member table: `joined` on the first presence of a join,
 * `left` on its goodbye (or when a newer join of the same peer id replaces
 * it), `lost` when the join was not heard from for the member TTL (or was
 * forgotten to make room, beyond `MAX_KNOWN_MEMBERS`).
 */
export interface PresenceEvent {
  type: 'joined' | 'left' | 'lost'
  /** The libp2p peer id the member announced (not authenticated: any member could announce any id). */
  peerId: string
  /** The sender id of the join, 32 hex digits. */
  senderId: string
}

/** A dial the table asks for: the member's addresses, relayed ones last. */
export interface Dial {
  peerId: string
  addrs: Multiaddr[]
}

interface Member {
  addrs: Multiaddr[]
  seen: number
  /** The sender (one join of the member) whose presence this is. */
  sender: string
}

export class MemberTable {
  private readonly selfId: string
  private readonly directPeers: number
  private readonly random: () => number
  /** Insertion order is recency order. */
  private readonly members = new Map<string, Member>()
  /** Members whose last dial failed, and when; bounded like the member table. */
  private readonly failedAt = new Map<string, number>()
  private readonly dialing = new Set<string>()
  /** Peers this node has a direct (not relayed) connection to, as reported. */
  private readonly links = new Set<string>()
  /** Pending announcement times, ascending. */
  private readonly announceAt: number[]
  private replyAt: number | undefined
  private readonly timing: PresenceTiming
  /** Changes not yet taken by `takeChanges`. */
  private changes: PresenceEvent[] = []

  /** `random` returns a number in [0, 1) (dial order). */
  constructor (selfId: string, directPeers: number, random: () => number, now: number, timing: PresenceTiming = DEFAULT_PRESENCE_TIMING) {
    this.selfId = selfId
    this.directPeers = directPeers
    this.random = random
    this.timing = timing
    this.announceAt = [...ANNOUNCE_DELAYS_MS.filter((d) => d < timing.reannounceMs).map((d) => now + d), now + timing.reannounceMs]
  }

  /**
   * Takes a member's presence (or goodbye), sent by `sender` (the sender id
   * of one join), and returns the dials to make. A goodbye ends only the join
   * that said it: a late goodbye of an earlier join does not remove a member
   * that has joined again. A member heard for the first time gets a reply
   * (our own presence) soon.
   */
  onPresence (presence: Presence, sender: string, now: number): Dial[] {
    if (presence.peerId === this.selfId) return []
    const member = this.members.get(presence.peerId)
    if (presence.bye === true) {
      if (member?.sender === sender) {
        this.members.delete(presence.peerId)
        this.changes.push({ type: 'left', peerId: presence.peerId, senderId: sender })
      }
      return []
    }
    this.members.delete(presence.peerId)
    this.members.set(presence.peerId, { addrs: dialable(presence), seen: now, sender })
    const known = member !== undefined
    if (member?.sender !== sender) {
      if (member !== undefined) this.changes.push({ type: 'left', peerId: presence.peerId, senderId: member.sender })
      this.changes.push({ type: 'joined', peerId: presence.peerId, senderId: sender })
    }
    if (this.members.size > MAX_KNOWN_MEMBERS) this.forgetOldest()
    if (!known) this.replyAt ??= now + REPLY_DEBOUNCE_MS
    return this.dials(now)
  }

  /** Our own addresses changed: announce them soon. */
  onAddressesChanged (now: number): void {
    this.replyAt ??= now + REPLY_DEBOUNCE_MS
  }

  /** A direct link to `peerId` came up or went down. */
  onLink (peerId: string, up: boolean): void {
    if (up) this.links.add(peerId)
    else this.links.delete(peerId)
  }

  /** A dial this table asked for ended. */
  onDialed (peerId: string, ok: boolean, now: number): void {
    this.dialing.delete(peerId)
    this.failedAt.delete(peerId)
    if (ok) return
    this.failedAt.set(peerId, now)
    if (this.failedAt.size > MAX_KNOWN_MEMBERS) {
      const oldest = this.failedAt.keys().next().value
      if (oldest !== undefined) this.failedAt.delete(oldest)
    }
  }

  /** True if an announcement is due at `now` (and consumes it). */
  takeAnnouncement (now: number): boolean {
    let due = false
    if (this.replyAt !== undefined && this.replyAt <= now) {
      this.replyAt = undefined
      due = true
    }
    while (this.announceAt.length > 0 && (this.announceAt[0] ?? Infinity) <= now) {
      this.announceAt.shift()
      due = true
    }
    if (this.announceAt.length === 0) this.announceAt.push(now + this.timing.reannounceMs)
    return due
  }

  /** When `takeAnnouncement` or `expire` is next due. */
  nextDeadline (): number {
    const next = Math.min(this.announceAt[0] ?? Infinity, this.expiresAt())
    return this.replyAt === undefined ? next : Math.min(next, this.replyAt)
  }

  /** Removes the members not heard from for the member TTL (each a `lost` change). */
  expire (now: number): void {
    // insertion order is recency order: the first member is the oldest news
    for (const [peerId, member] of this.members) {
      if (now - member.seen < this.timing.memberTtlMs) break
      this.members.delete(peerId)
      this.changes.push({ type: 'lost', peerId, senderId: member.sender })
    }
  }

  /** The changes since the last call, in the order they happened. */
  takeChanges (): PresenceEvent[] {
    const out = this.changes
    this.changes = []
    return out
  }

  /** True if a member of the table has a direct link. */
  hasDirectMember (): boolean {
    for (const peerId of this.links) if (this.members.has(peerId)) return true
    return false
  }

  /** Members heard from within the member TTL, oldest news first. */
  list (now: number): ChannelMember[] {
    this.expire(now)
    return [...this.members].map(([peerId, member]) => ({ peerId, senderId: member.sender, direct: this.links.has(peerId) }))
  }

  private expiresAt (): number {
    const oldest = this.members.values().next().value
    return oldest === undefined ? Infinity : oldest.seen + this.timing.memberTtlMs
  }

  private forgetOldest (): void {
    const oldest = this.members.entries().next().value
    if (oldest === undefined) return
    this.members.delete(oldest[0])
    this.changes.push({ type: 'lost', peerId: oldest[0], senderId: oldest[1].sender })
  }

  private dials (now: number): Dial[] {
    const out: Dial[] = []
    const members = [...this.members.entries()]
    let linked = members.filter(([id]) => this.links.has(id) || this.dialing.has(id)).length
    for (const [peerId, member] of this.shuffle(members)) {
      if (linked >= this.directPeers) break
      if (this.links.has(peerId) || this.dialing.has(peerId) || member.addrs.length === 0) continue
      if (now - (this.failedAt.get(peerId) ?? -Infinity) < DIAL_BACKOFF_MS) continue
      linked++
      this.dialing.add(peerId)
      out.push({ peerId, addrs: member.addrs })
    }
    return out
  }

  private shuffle<T> (items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      const a = items[i]
      const b = items[j]
      if (a !== undefined && b !== undefined) { items[i] = b; items[j] = a }
    }
    return items
  }
}

/** The member's addresses that parse and name it; relayed addresses last. */
function dialable (member: Presence): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const text of member.multiaddrs) {
    try {
      const ma = multiaddr(text)
      if (peerIdOf(ma) === member.peerId) out.push(ma)
    } catch {
      // an address we cannot parse is skipped
    }
  }
  const relayed = (ma: Multiaddr): number => ma.getComponents().some((c) => c.name === 'p2p-circuit') ? 1 : 0
  return out.sort((a, b) => relayed(a) - relayed(b))
}
