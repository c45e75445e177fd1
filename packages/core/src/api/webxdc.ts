/**
 * The webxdc realtime API of one chat-and-app pair: `joinRealtimeChannel()`
 * and the legacy `joinRealtimeSession(cb)`. Methods are plain closures, so
 * the object can be spread onto `window.webxdc`.
 */
import { ChannelActiveError } from '../errors.ts'
import type { RealtimeChannel } from './events.ts'
import { checkListener } from './handle.ts'

/** What `joinRealtimeSession` returns: the pre-channel API of April 2024. */
export interface RealtimeSession {
  send: (data: Uint8Array) => void
  leave: () => void
}

export interface WebxdcRealtime {
  /**
   * Joins this app's channel; throws `ChannelActiveError` while it is already
   * joined. The channel has `rtmesh` (presence, connection state) when its
   * carrier provides them.
   */
  joinRealtimeChannel: () => RealtimeChannel
  /**
   * Legacy form: joins with `listener` set and returns `{ send, leave }`, or
   * `null` while a session or channel of this app is active.
   */
  joinRealtimeSession: (listener: (data: Uint8Array) => void) => RealtimeSession | null
}

/**
 * Builds the API from two node operations: whether the pair has an active
 * channel, and opening one.
 */
export function webxdcRealtime (isActive: () => boolean, open: () => RealtimeChannel): WebxdcRealtime {
  const joinRealtimeChannel = (): RealtimeChannel => {
    if (isActive()) throw new ChannelActiveError()
    return open()
  }
  const joinRealtimeSession = (listener: (data: Uint8Array) => void): RealtimeSession | null => {
    checkListener(listener, 'joinRealtimeSession')
    if (isActive()) return null
    const channel = open()
    channel.setListener(listener)
    return {
      send: (data) => { channel.send(data) },
      leave: () => { channel.leave() }
    }
  }
  return { joinRealtimeChannel, joinRealtimeSession }
}
