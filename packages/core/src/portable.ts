/**
 * @packageDocumentation
 *
 * `@rtmesh/core/portable`: everything of `@rtmesh/core` except
 * `createRealtimeNode` (which brings Node's TCP transport), for browsers and
 * other runtimes that build their own libp2p node and pass it to
 * `createRealtimeNodeFromLibp2p`.
 */
export { createRealtimeNodeFromLibp2p } from './node.ts'
export { BootstrapKeeper } from './bootstrap.ts'
export { configuredRelays, peerIdOf } from './relays.ts'
export type { RealtimeNode, PubSubLibp2p } from './node.ts'
export type { MemberInfo } from './discovery.ts'
export type { RealtimeNodeOptions, RealtimeOptions } from './options.ts'
export { deriveChannel, isChannelTopic } from './derive.ts'
export type { ChannelIdentity, DerivedChannel } from './derive.ts'
export type { WebxdcRealtime, RealtimeSession } from './webxdc.ts'
export type { RealtimeListener } from '@webxdc/types'
export type { RealtimeStats, DropReason } from './stats.ts'
export { channelGossipsubOptions, registerChannelTopicScore, unregisterChannelTopicScore, CHANNEL_TOPIC_SCORE, MAX_INBOUND_RPC_BYTES } from './gossipsub-options.ts'
export { checkFrameShape, openFrame, sealFrame, FrameKind } from './envelope.ts'
export type { FrameContents, FrameError, OpenResult } from './envelope.ts'
export {
  ChannelActiveError, ChannelClosedError, MessageTooLargeError, InvalidOptionError, NodeStoppedError
} from './errors.ts'
export { MAX_MESSAGE_SIZE, MAX_FRAME_SIZE, TOPIC_PREFIX, RELAY_PROTOCOL } from './constants.ts'
