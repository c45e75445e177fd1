/**
 * How a relay carries channels it cannot read: it subscribes to a channel
 * topic while a non-relay peer of its own is subscribed (a relay forwards a
 * topic only if it subscribes to it), checks the frames' outer shape, and
 * limits each peer's frame and byte rate. It never holds a channel key.
 *
 * Everything here is bounded by configuration, not by what peers send: a
 * client's subscriptions create demand for at most `maxChannelsPerPeer`
 * topics, the relay carries at most `maxChannels`, and a peer's state goes
 * when it disconnects.
 */
import { checkFrameShape, isChannelTopic, registerChannelTopicScore, unregisterChannelTopicScore } from '@rtmesh/core'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import { TOPIC_LINGER_MS } from '../constants.ts'
import type { Guard } from '../defences/guard.ts'
import { guarded } from '../guarded.ts'
import type { RelayMetrics } from '../metrics.ts'
import { PeerRateLimiter } from './rate-limit.ts'
import type { PeerLimits } from './rate-limit.ts'

/** Relays forward many clients' frames: their budget is this many times a client's. */
const RELAY_RATE_FACTOR = 20

export interface CarrierDeps {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  guard: Guard
  metrics: RelayMetrics
  log: Logger
  isRelay: (peer: PeerId | string) => boolean
  /** A client's budget; trusted relays get `RELAY_RATE_FACTOR` times it. */
  limits: PeerLimits
  /** Channel topics one client peer can make the relay carry. */
  maxChannelsPerPeer: number
  /** Channel topics the relay carries in all. */
  maxChannels: number
}

export class ChannelCarrier {
  private readonly deps: CarrierDeps
  private readonly clients: PeerRateLimiter
  private readonly relays: PeerRateLimiter
  /** Client peer → the channel topics it made us carry (at most `maxChannelsPerPeer`). */
  private readonly demand = new Map<string, Set<string>>()
  /** Topic → how many client peers demand it. */
  private readonly demanders = new Map<string, number>()
  /** Topics we subscribe to (at most `maxChannels`). */
  private readonly carried = new Set<string>()
  private readonly lingering = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    guarded(this.deps, 'subscription-change', () => {
      const peer = evt.detail.peerId.toString()
      if (this.deps.isRelay(peer)) return
      for (const { topic, subscribe } of evt.detail.subscriptions) {
        if (!isChannelTopic(topic)) continue
        if (subscribe) this.addDemand(peer, topic)
        else this.removeDemand(peer, topic)
      }
    })
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    guarded(this.deps, 'peer:disconnect', () => {
      const peer = evt.detail.toString()
      this.clients.forget(peer)
      this.relays.forget(peer)
      for (const topic of [...this.demand.get(peer) ?? []]) this.removeDemand(peer, topic)
    })
  }

  constructor (deps: CarrierDeps) {
    this.deps = deps
    const { rate, burst, byteRate, byteBurst, floodDrops } = deps.limits
    this.clients = new PeerRateLimiter(deps.limits)
    this.relays = new PeerRateLimiter({
      rate: rate * RELAY_RATE_FACTOR,
      burst: burst * RELAY_RATE_FACTOR,
      byteRate: byteRate * RELAY_RATE_FACTOR,
      byteBurst: byteBurst * RELAY_RATE_FACTOR,
      floodDrops: floodDrops * RELAY_RATE_FACTOR
    })
  }

  start (): void {
    this.deps.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.deps.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
  }

  stop (): void {
    this.deps.libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.deps.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    for (const timer of this.lingering.values()) clearTimeout(timer)
    this.lingering.clear()
  }

  private addDemand (peer: string, topic: string): void {
    let topics = this.demand.get(peer)
    if (topics?.has(topic) === true) return
    if ((topics?.size ?? 0) >= this.deps.maxChannelsPerPeer) {
      this.deps.metrics.subscriptionsRefused.inc({ reason: 'per-peer' })
      return
    }
    if (topics === undefined) {
      topics = new Set()
      this.demand.set(peer, topics)
    }
    topics.add(topic)
    this.demanders.set(topic, (this.demanders.get(topic) ?? 0) + 1)
    this.reconcile(topic)
  }

  private removeDemand (peer: string, topic: string): void {
    const topics = this.demand.get(peer)
    if (topics?.delete(topic) !== true) return
    if (topics.size === 0) this.demand.delete(peer)
    const count = (this.demanders.get(topic) ?? 1) - 1
    if (count > 0) this.demanders.set(topic, count)
    else this.demanders.delete(topic)
    this.reconcile(topic)
  }

  private reconcile (topic: string): void {
    if (this.demanders.has(topic)) {
      const timer = this.lingering.get(topic)
      if (timer !== undefined) clearTimeout(timer)
      this.lingering.delete(topic)
      this.carry(topic)
    } else if (this.carried.has(topic) && !this.lingering.has(topic)) {
      this.lingering.set(topic, setTimeout(() => {
        this.lingering.delete(topic)
        guarded(this.deps, 'linger', () => {
          if (!this.demanders.has(topic)) this.drop(topic)
        })
      }, TOPIC_LINGER_MS))
    }
  }

  private carry (topic: string): void {
    if (this.carried.has(topic)) return
    if (this.carried.size >= this.deps.maxChannels) {
      this.deps.metrics.subscriptionsRefused.inc({ reason: 'total' })
      return
    }
    const pubsub = this.deps.libp2p.services.pubsub
    this.carried.add(topic)
    registerChannelTopicScore(pubsub, topic)
    pubsub.topicValidators.set(topic, (source, msg) => this.validate(source, msg.data))
    pubsub.subscribe(topic)
    this.deps.log.debug({ topic }, 'carrying channel')
  }

  private drop (topic: string): void {
    const pubsub = this.deps.libp2p.services.pubsub
    this.carried.delete(topic)
    pubsub.unsubscribe(topic)
    pubsub.topicValidators.delete(topic)
    unregisterChannelTopicScore(pubsub, topic)
    this.deps.log.debug({ topic }, 'no longer carrying channel')
    // a slot is free: carry a demanded topic that the total cap refused before
    for (const waiting of this.demanders.keys()) {
      if (!this.carried.has(waiting)) {
        this.carry(waiting)
        return
      }
    }
  }

  private validate (source: PeerId, data: Uint8Array): TopicValidatorResult {
    const { metrics, guard } = this.deps
    const shape = checkFrameShape(data)
    if (shape !== undefined) {
      metrics.framesRejected.inc({ reason: shape })
      if (shape === 'oversize') this.expel(source, 'oversize')
      return TopicValidatorResult.Reject
    }
    const limiter = this.deps.isRelay(source) ? this.relays : this.clients
    const verdict = limiter.check(source.toString(), Date.now(), data.byteLength)
    if (verdict !== 'ok') {
      metrics.framesRejected.inc({ reason: 'rate' })
      if (verdict === 'flood') this.expel(source, 'flood')
      return TopicValidatorResult.Ignore
    }
    if (guard.isBanned(source)) return TopicValidatorResult.Ignore
    metrics.messagesForwarded.inc()
    metrics.bytesForwarded.inc(data.byteLength)
    return TopicValidatorResult.Accept
  }

  private expel (peer: PeerId, reason: string): void {
    if (this.deps.guard.isBanned(peer)) return
    this.deps.metrics.peersDisconnected.inc({ reason })
    this.deps.log.warn({ peer: peer.toString(), reason }, 'disconnecting misbehaving peer')
    void this.deps.guard.ban(peer)
  }
}
