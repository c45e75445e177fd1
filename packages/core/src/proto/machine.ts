/**
 * One joined channel as a pure state machine: envelope, ordering, replay and
 * rate state, and the member table, driven by `handle(event, now)` which
 * returns effects for the caller to carry out (PROTOCOL.md). No I/O, no
 * timers, no clock, no randomness of its own: the libp2p adapter
 * (`libp2p/service.ts`) and the simulation tests drive it the same way.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { equalBytes } from '@noble/ciphers/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { NONCE_BYTES, SENDER_ID_BYTES } from './constants.ts'
import type { DerivedChannel } from './derive.ts'
import { FrameKind, openFrame, sealFrame } from './envelope.ts'
import type { FrameContents } from './envelope.ts'
import { InboundOrderer } from './inbound.ts'
import type { FrameSource, InboundOptions } from './inbound.ts'
import { DEFAULT_PRESENCE_TIMING, MemberTable } from './members.ts'
import type { ChannelMember, PresenceEvent, PresenceTiming } from './members.ts'
import { decodePresence, encodePresence, PRESENCE_KIND } from './presence.ts'
import type { RealtimeStats } from './stats.ts'

/** A topic validator's verdict, as in gossipsub. */
export type ValidationResult = 'accept' | 'reject' | 'ignore'

/**
 * How a joined channel is connected: `direct` while this node has a direct
 * (not relayed) connection to at least one member it has heard presence from
 * (and not lost); otherwise `relayed` while it is connected to at least one
 * of its configured relays (bootstrap peers), through which the channel's
 * frames travel; otherwise `offline`. Without member discovery
 * (`directPeersPerChannel: 0`) members are unknown and the state is
 * `relayed` or `offline` only.
 */
export type ConnectionState = 'offline' | 'relayed' | 'direct'

/** The state from its two inputs. */
export function connectionState (directMember: boolean, relayConnected: boolean): ConnectionState {
  if (directMember) return 'direct'
  return relayConnected ? 'relayed' : 'offline'
}

const RANK: Record<ConnectionState, number> = { offline: 0, relayed: 1, direct: 2 }

/**
 * A node's state: the best of its joined channels' states (`direct` if any
 * channel has a direct link to a member of it), and with none of them
 * better, `relayed` while a configured relay is connected, else `offline`.
 */
export function nodeConnectionState (channels: Iterable<ConnectionState>, relayConnected: boolean): ConnectionState {
  let best = connectionState(false, relayConnected)
  for (const state of channels) if (RANK[state] > RANK[best]) best = state
  return best
}

/** What happens to a channel. */
export type ChannelEvent =
  /** A frame arrived on the channel's topic from `source` (the forwarding peer). */
  | { type: 'frame', data: Uint8Array, source: FrameSource }
  /** The app sends `payload` (already checked by the API). */
  | { type: 'send', payload: Uint8Array }
  /** The app leaves the channel. */
  | { type: 'leave' }
  /** The time asked for by the last `schedule` effect has come. */
  | { type: 'timer' }
  /** This node's own addresses changed. */
  | { type: 'addresses', multiaddrs: string[] }
  /** A direct (not relayed) link to a peer came up or went down. */
  | { type: 'link', peerId: string, up: boolean }
  /** A dial asked for by a `dial` effect ended. */
  | { type: 'dialed', peerId: string, ok: boolean }
  /** Whether this node has an open connection to at least one configured relay (now). */
  | { type: 'relays', connected: boolean }

/** What the caller must do. */
export type Effect =
  /** The answer to a `frame` event: whether gossipsub may deliver and forward it. */
  | { type: 'verdict', verdict: ValidationResult }
  /** Publish `frame` on the channel's topic (in the order given). */
  | { type: 'publish', frame: Uint8Array }
  /** Hand `payload` to the app's listener. */
  | { type: 'deliver', payload: Uint8Array }
  /** Open a direct connection to a member. */
  | { type: 'dial', peerId: string, addrs: Multiaddr[] }
  /** Send a `timer` event at `at` (replaces any earlier request); undefined: no timer. */
  | { type: 'schedule', at: number | undefined }
  /** The channel is left: unsubscribe (the machine still judges frames for lingering). */
  | { type: 'left' }
  /** A member joined, left or was lost (for the app's presence listeners). */
  | { type: 'presence', event: PresenceEvent }
  /** The channel's connection state changed to `state` (the first one comes from `start`). */
  | { type: 'connection', state: ConnectionState }

export interface MachineConfig {
  derived: DerivedChannel
  /** This node's peer id, announced in presence frames. */
  selfId: string
  /** This node's addresses at join time. */
  multiaddrs: string[]
  /** Direct links to seek per channel; 0 turns member discovery off. */
  directPeers: number
  inbound: InboundOptions
  /** Counters, shared with the node. */
  stats: RealtimeStats
  randomBytes: (length: number) => Uint8Array
  /** A number in [0, 1). */
  random: () => number
  /** Re-announcement interval and member TTL; default `DEFAULT_PRESENCE_TIMING` (60 s, 150 s). */
  presenceTiming?: PresenceTiming
}

export class ChannelMachine {
  /** The channel's topic and key. */
  readonly derived: DerivedChannel
  private readonly config: MachineConfig
  private readonly inbound: InboundOrderer<FrameContents>
  private readonly members: MemberTable | undefined
  private readonly senderId: Uint8Array
  private multiaddrs: string[]
  private counter = 0
  private closed = false
  private scheduled: number | undefined
  private relayConnected = false
  private connection: ConnectionState = 'offline'

  constructor (config: MachineConfig, now: number) {
    this.config = config
    this.derived = config.derived
    this.multiaddrs = config.multiaddrs
    this.inbound = new InboundOrderer(config.inbound)
    this.senderId = config.randomBytes(SENDER_ID_BYTES)
    this.members = config.directPeers > 0 ? new MemberTable(config.selfId, config.directPeers, config.random, now, config.presenceTiming ?? DEFAULT_PRESENCE_TIMING) : undefined
  }

  /** Effects to carry out at join: the first connection state and the first timer. */
  start (now: number): Effect[] {
    return this.reschedule(now, [{ type: 'connection', state: this.connection }])
  }

  /** The channel's connection state, as last reported by a `connection` effect. */
  get connectionState (): ConnectionState {
    return this.connection
  }

  /** True once left. */
  get isClosed (): boolean {
    return this.closed
  }

  /**
   * Members heard from within the member TTL, with whether each is directly
   * linked; empty when discovery is off or the channel is left. Members found
   * gone here are reported `lost` by the next `handle`.
   */
  memberList (now: number): ChannelMember[] {
    if (this.closed) return []
    return this.members?.list(now) ?? []
  }

  handle (event: ChannelEvent, now: number): Effect[] {
    const out: Effect[] = []
    switch (event.type) {
      case 'frame': this.onFrame(event.data, event.source, now, out); break
      case 'send':
        if (this.closed) return out
        this.config.stats.sent++
        this.seal(FrameKind.Data, event.payload, now, out)
        break
      case 'leave': return this.onLeave(now, out)
      case 'timer':
        this.scheduled = undefined // the timer fired: any deadline needs a new one
        this.onTimer(now, out)
        break
      case 'addresses':
        this.multiaddrs = event.multiaddrs
        this.members?.onAddressesChanged(now)
        break
      case 'link': this.members?.onLink(event.peerId, event.up); break
      case 'dialed': this.members?.onDialed(event.peerId, event.ok, now); break
      case 'relays': this.relayConnected = event.connected; break
    }
    this.report(out)
    return this.reschedule(now, out)
  }

  /** Presence changes of the member table, and the connection state if it changed. */
  private report (out: Effect[]): void {
    if (this.closed) return
    for (const event of this.members?.takeChanges() ?? []) out.push({ type: 'presence', event })
    const state = connectionState(this.members?.hasDirectMember() ?? false, this.relayConnected)
    if (state !== this.connection) {
      this.connection = state
      out.push({ type: 'connection', state })
    }
  }

  private onFrame (data: Uint8Array, source: FrameSource, now: number, out: Effect[]): void {
    const { stats } = this.config
    const result = openFrame(this.derived.key, this.derived.topic, data)
    if (!result.ok) {
      stats.dropped[result.error]++
      out.push({ type: 'verdict', verdict: 'reject' })
      return
    }
    const frame = result.frame
    if (equalBytes(frame.senderId, this.senderId)) {
      // our own frame coming back (gossipsub forgets its ids after a while): a replay
      stats.dropped.replay++
      out.push({ type: 'verdict', verdict: 'ignore' })
      return
    }
    // Judged and charged here, where gossipsub decides about forwarding.
    const verdict = this.inbound.admit({ senderId: frame.senderId, counter: frame.counter, timestamp: frame.timestamp, size: data.byteLength }, source, now)
    if (verdict !== 'accept') {
      stats.dropped[verdict]++
      out.push({ type: 'verdict', verdict: 'ignore' })
      return
    }
    out.push({ type: 'verdict', verdict: 'accept' })
    if (this.closed) return // lingering: judged and forwarded, not delivered
    // Every kind takes part in ordering: counters are per sender, not per kind.
    const overflows = this.inbound.overflows
    const ready = this.inbound.push(frame.senderId, frame.counter, frame.timestamp, frame, now, data.byteLength)
    stats.dropped.bufferFull += this.inbound.overflows - overflows
    this.emit(ready, now, out)
  }

  private onLeave (now: number, out: Effect[]): Effect[] {
    if (this.closed) return out
    if (this.members !== undefined) {
      this.seal(PRESENCE_KIND, encodePresence({ peerId: this.config.selfId, multiaddrs: [], bye: true }), now, out)
    }
    this.closed = true
    out.push({ type: 'left' })
    if (this.scheduled !== undefined) out.push({ type: 'schedule', at: undefined })
    this.scheduled = undefined
    return out
  }

  private onTimer (now: number, out: Effect[]): void {
    if (this.closed) return
    this.emit(this.inbound.flush(now), now, out)
    this.members?.expire(now)
    if (this.members?.takeAnnouncement(now) === true) this.announce(now, out)
  }

  private announce (now: number, out: Effect[]): void {
    this.seal(PRESENCE_KIND, encodePresence({ peerId: this.config.selfId, multiaddrs: this.multiaddrs }), now, out)
  }

  private emit (frames: FrameContents[], now: number, out: Effect[]): void {
    const { stats } = this.config
    for (const frame of frames) {
      if (frame.kind === FrameKind.Data) {
        stats.delivered++
        out.push({ type: 'deliver', payload: frame.payload })
        continue
      }
      const presence = frame.kind === PRESENCE_KIND ? decodePresence(frame.payload) : undefined
      if (presence === undefined) {
        stats.dropped.kind++
        continue
      }
      for (const dial of this.members?.onPresence(presence, bytesToHex(frame.senderId), now) ?? []) out.push({ type: 'dial', ...dial })
    }
  }

  private seal (kind: number, payload: Uint8Array, now: number, out: Effect[]): void {
    out.push({
      type: 'publish',
      frame: sealFrame(this.derived.key, this.derived.topic, this.config.randomBytes(NONCE_BYTES), {
        kind, senderId: this.senderId, counter: this.counter++, timestamp: now, payload
      })
    })
  }

  private reschedule (now: number, out: Effect[]): Effect[] {
    if (this.closed) return out
    const flushAt = this.inbound.nextDeadline()
    const announceAt = this.members?.nextDeadline()
    const at = Math.min(flushAt ?? Infinity, announceAt ?? Infinity)
    const next = at === Infinity ? undefined : Math.max(at, now)
    if (next !== this.scheduled) {
      this.scheduled = next
      out.push({ type: 'schedule', at: next })
    }
    return out
  }
}
