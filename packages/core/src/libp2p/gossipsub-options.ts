/**
 * Gossipsub settings for channel topics: what makes the mesh private,
 * ephemeral and hard to spam. Exported so relays run the same settings.
 */
import { StrictNoSign } from '@libp2p/gossipsub'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import { frameId } from '../proto/frame-id.ts'

/**
 * Score parameters of every channel topic. Only invalid frames count (P4):
 * mesh-delivery penalties (P3, P3b) are off because a quiet chat delivers
 * nothing and must not look like a bad peer. Each invalid frame costs
 * -5 × count² (decaying by 10 % a second): four quick ones put a peer at
 * the graylist threshold (-80), where its RPCs are ignored.
 */
export const CHANNEL_TOPIC_SCORE: TopicScoreParams = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -5,
  invalidMessageDeliveriesDecay: 0.9
})

/**
 * The score table of a gossipsub node. `score` and its `params` are public,
 * read-only members of the gossipsub class (not private fields), but the
 * `GossipSub` interface that `gossipsub()` returns does not list them, and
 * gossipsub copies the `scoreParams.topics` it is given, so derived topics
 * can only be added here. Checked at run time: a gossipsub without them
 * makes `registerChannelTopicScore` return false (and a test fail).
 */
interface ScoredPubSub {
  score?: { params?: { topics?: Record<string, TopicScoreParams> } }
}

/**
 * Makes invalid frames on `topic` count against the peer that sent them.
 * Gossipsub only scores topics listed in its parameters, and channel topics
 * are derived, so each is registered when joined or carried, and unregistered
 * (`unregisterChannelTopicScore`) when left, so the table does not grow with
 * every topic ever seen. Returns false if `pubsub` keeps no score table.
 */
export function registerChannelTopicScore (pubsub: object, topic: string): boolean {
  const topics = (pubsub as ScoredPubSub).score?.params?.topics
  if (topics === undefined) return false
  topics[topic] ??= CHANNEL_TOPIC_SCORE
  return true
}

/** Undoes `registerChannelTopicScore` once the node no longer subscribes to `topic`. */
export function unregisterChannelTopicScore (pubsub: object, topic: string): void {
  const topics = (pubsub as ScoredPubSub).score?.params?.topics
  if (topics !== undefined && topics[topic] === CHANNEL_TOPIC_SCORE) Reflect.deleteProperty(topics, topic)
}

/**
 * Largest RPC accepted from a peer: one full frame plus room for control
 * messages (gossipsub's default is 4 MiB, 32 full frames' worth of parsing
 * per RPC for free).
 */
export const MAX_INBOUND_RPC_BYTES = 256 * 1024

/**
 * Per-peer budget of topic subscriptions gossipsub records (bytes; each
 * topic costs its length plus 1 024): 1 024 channel topics, far more than one
 * device joins, and what a federated relay may carry for another (gossipsub's
 * default: 1 MiB, about the same count).
 */
export const MAX_TOPIC_BYTES_PER_PEER = 1_024 * (1_024 + 80)

/**
 * Gossipsub options for nodes that carry channels. `overrides` win.
 *
 * - Frames are unsigned (StrictNoSign) and identified by their SHA-256: the
 *   sender's identity lives inside the encrypted envelope, not on the wire.
 *   The hash covers the whole frame, not just its nonce: gossipsub marks ids
 *   as seen before validating, so an id a forger could copy would let a
 *   forged frame shadow the real one.
 * - `mcacheGossip: 0`: no IHAVE history is advertised, so a peer that
 *   subscribes late never pulls frames sent before it joined (ephemeral).
 * - Publishing with no peers is not an error (webxdc: no delivery guarantee).
 * - Not over limited (circuit-relayed) connections (gossipsub's default):
 *   frames travel through the relays' own gossipsub until members are
 *   directly connected, and a circuit that carried the first streams would
 *   take pubsub down with it when the relay goes (js-libp2p behaviour).
 * - A mesh of degree 3 (2 to 6) instead of gossipsub's 6 (4 to 12): a
 *   member with direct links takes each frame from its mesh peers as well as
 *   from the publisher, and pays transport, decoding and hashing for every
 *   copy. Benchmark, 10 members with direct links, 100 B at 10/s each:
 *   client CPU per delivery 1 186 µs at degree 6, 904 µs at degree 3
 *   (relay only: 502 µs). Degree 2 (736 µs; 552 µs without flood
 *   publishing) left peers that rejoined during churn unheard for seconds in
 *   the test network, as did turning flood publishing off (relays then missed
 *   frames after a relay was killed). Flood publishing stays: a frame's first
 *   hop reaches every subscribed neighbour, relays included. Relays set their
 *   own, wider mesh: they are every local member's only path.
 * - `batchPublish`: a published frame is encoded once for all its recipients
 *   (gossipsub encodes it once per peer by default; forwarding does the
 *   same through this project's gossipsub patch). Control messages that would
 *   have ridden along go out with the next heartbeat instead.
 * - IP colocation scoring is off: loopback tests, NATs and every peer behind a
 *   relay share one address, and gossipsub's defaults (more than 10 peers per
 *   IP cost −5 × surplus², graylisted at −80) graylist them all: a hub with
 *   19 peers on 127.0.0.1 saw no subscribers.
 */
export function channelGossipsubOptions (overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: (msg) => frameId(msg.data),
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    mcacheGossip: 0,
    D: 3,
    Dlo: 2,
    Dhi: 6,
    Dout: 1,
    Dscore: 1,
    floodPublish: true,
    batchPublish: true,
    emitSelf: false,
    maxInboundDataLength: MAX_INBOUND_RPC_BYTES,
    maxTopicBytesPerPeer: MAX_TOPIC_BYTES_PER_PEER,
    ...overrides,
    scoreParams: {
      IPColocationFactorWeight: 0,
      ...overrides.scoreParams
    }
  }
}
