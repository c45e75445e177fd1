/**
 * @packageDocumentation
 *
 * `@rtmesh/core/portable`: everything of `@rtmesh/core` except
 * `createRealtimeNode` (which brings Node's TCP transport), for browsers and
 * other runtimes that build their own libp2p node and pass it to
 * `createRealtimeNodeFromLibp2p`.
 */
export { createRealtimeNodeFromLibp2p } from './api/node.ts'
export { BootstrapKeeper } from './libp2p/bootstrap.ts'
export { configuredRelays, peerIdOf } from './proto/relays.ts'
export type { RealtimeNode, PubSubLibp2p } from './api/node.ts'
export type { MemberInfo } from './proto/members.ts'
export { MEMBER_TTL_MS, REANNOUNCE_MS } from './proto/members.ts'
export { rtmesh, RtmeshService } from './libp2p/service.ts'
export type { Rtmesh, RtmeshComponents } from './libp2p/service.ts'
export { ChannelMachine } from './proto/machine.ts'
export { connectionState, nodeConnectionState } from './proto/machine.ts'
export type { ChannelEvent, Effect, MachineConfig, ValidationResult } from './proto/machine.ts'
export { ChannelHandle, checkListener, checkSendData } from './api/handle.ts'
export type { ChannelBackend, Listener } from './api/handle.ts'
export type {
  ChannelMember, ConnectionListener, ConnectionState, ExtensionsBackend, PresenceEvent, PresenceListener, RealtimeChannel, RealtimeExtensions
} from './api/events.ts'
export { webxdcRealtime } from './api/webxdc.ts'
export type { RealtimeNodeOptions, RealtimeOptions } from './api/options.ts'
export { deriveChannel, isChannelTopic } from './proto/derive.ts'
export type { ChannelIdentity, DerivedChannel } from './proto/derive.ts'
export type { WebxdcRealtime, RealtimeSession } from './api/webxdc.ts'
export type { RealtimeListener } from '@webxdc/types'
export type { RealtimeStats, DropReason } from './proto/stats.ts'
export { TokenBucket } from './proto/budget.ts'
export type { Rate } from './proto/budget.ts'
export { realtimeLibp2pOptions, connectionLayers } from './libp2p/preset.ts'
export type { RealtimeLibp2pParts } from './libp2p/preset.ts'
export { channelGossipsubOptions, registerChannelTopicScore, unregisterChannelTopicScore, CHANNEL_TOPIC_SCORE, MAX_INBOUND_RPC_BYTES } from './libp2p/gossipsub-options.ts'
export { checkFrameShape, openFrame, sealFrame, FrameKind } from './proto/envelope.ts'
export type { FrameContents, FrameError, OpenResult } from './proto/envelope.ts'
export {
  ChannelActiveError, ChannelClosedError, MessageTooLargeError, InvalidOptionError, NodeStoppedError
} from './errors.ts'
export { MAX_MESSAGE_SIZE, MAX_FRAME_SIZE, TOPIC_PREFIX, RELAY_PROTOCOL } from './proto/constants.ts'
