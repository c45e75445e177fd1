/**
 * @packageDocumentation
 *
 * `@rtmesh/core/api`: the webxdc argument and join rules (`ChannelHandle`,
 * `checkSendData`, `checkListener`, `webxdcRealtime`), the named errors, the
 * size limit and `TokenBucket`, without libp2p: for code that carries a
 * channel some other way (a sandboxed app frame bridged to its host) and
 * must stay small.
 */
export { ChannelHandle, checkListener, checkSendData } from './api/handle.ts'
export type { ChannelBackend, Listener } from './api/handle.ts'
export type {
  ChannelMember, ConnectionListener, ConnectionState, ExtensionsBackend, PresenceEvent, PresenceListener, RealtimeChannel, RealtimeExtensions
} from './api/events.ts'
export { webxdcRealtime } from './api/webxdc.ts'
export type { RealtimeSession, WebxdcRealtime } from './api/webxdc.ts'
export type { RealtimeListener } from '@webxdc/types'
export {
  ChannelActiveError, ChannelClosedError, MessageTooLargeError, InvalidOptionError, NodeStoppedError
} from './errors.ts'
export { MAX_MESSAGE_SIZE } from './proto/constants.ts'
export { TokenBucket } from './proto/budget.ts'
export type { Rate } from './proto/budget.ts'
