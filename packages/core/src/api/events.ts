/**
 * rtmesh's extensions of the webxdc channel object: who is here (presence
 * events and a snapshot) and how the channel is connected. Optional and
 * feature-detectable (`channel.rtmesh?.…`): the standard methods stay as
 * they are, and an app that never calls these sees no difference in the API
 * or on the wire (presence frames are sent either way).
 */
import type { RealtimeListener } from '@webxdc/types'
import type { ConnectionState } from '../proto/machine.ts'
import type { ChannelMember, PresenceEvent } from '../proto/members.ts'

export type { ChannelMember, ConnectionState, PresenceEvent }

export type PresenceListener = (event: PresenceEvent) => void
export type ConnectionListener = (state: ConnectionState) => void

/** `channel.rtmesh`: present on channels of an rtmesh node, absent elsewhere. */
export interface RealtimeExtensions {
  /**
   * The other members heard from within the member TTL (150 s), oldest news
   * first; empty after `leave()` or with member discovery off.
   */
  members: () => ChannelMember[]
  /**
   * Calls `listener` with each `joined`, `left` and `lost` event of another
   * member, from now on (`members()` gives who is already here). Returns a
   * function that removes the listener. Several listeners may be added; one
   * that throws is logged and counted (`stats().listenerErrors`), the others
   * still run. Throws `ChannelClosedError` after `leave()`, `TypeError`
   * unless given a function.
   */
  onPresence: (listener: PresenceListener) => () => void
  /** The channel's connection state now: `offline`, `relayed` or `direct`. */
  connection: () => ConnectionState
  /**
   * Calls `listener` with the new state each time the channel's connection
   * state changes, from now on. Returns a function that removes it; errors
   * as for `onPresence`.
   */
  onConnection: (listener: ConnectionListener) => () => void
}

/** A webxdc realtime channel, with rtmesh's extensions where they are available. */
export interface RealtimeChannel extends RealtimeListener {
  readonly rtmesh?: RealtimeExtensions
}

/** What the extensions read from whatever carries the channel. */
export interface ExtensionsBackend {
  members: () => ChannelMember[]
  connection: () => ConnectionState
}
