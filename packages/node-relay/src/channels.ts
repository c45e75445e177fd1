/**
 * How a relay carries channels it cannot read: it subscribes to a channel
 * topic while a non-relay peer of its own is subscribed (a relay forwards a
 * topic only if it subscribes to it), checks the frames' outer shape, and
 * limits each peer's frame rate. It never holds a channel key.
 */
import { checkFrameShape, isChannelTopic, registerChannelTopicScore } from '@rtmesh/core'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import { TOPIC_LINGER_MS } from './constants.ts'
import type { Guard } from './guard.ts'
import type { RelayMetrics } from './metrics.ts'
import { PeerRateLimiter } from './rate-limit.ts'

/** Relays forward many clients' frames: their budget is this many times a client's. */
const RELAY_RATE_FACTOR = 20
/** Subscriptions are re-checked this often (peers disconnect without unsubscribing). */
const RECONCILE_MS = 5_000

export interface CarrierDeps {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  guard: Guard
  metrics: RelayMetrics
  log: Logger
  isRelay: (peer: PeerId) => boolean
  messagesPerSecond: number
  messageBurst: number
  floodDrops: number
}

export class ChannelCarrier {
  private readonly deps: CarrierDeps
  private readonly clients: PeerRateLimiter
  private readonly relays: PeerRateLimiter
  private readonly lingering = new Map<string, ReturnType<typeof setTimeout>>()
  private reconcileTimer: ReturnType<typeof setInterval> | undefined
  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    for (const { topic } of evt.detail.subscriptions) if (isChannelTopic(topic)) this.reconcile(topic)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.clients.forget(evt.detail.toString())
    this.relays.forget(evt.detail.toString())
  }

  constructor (deps: CarrierDeps) {
    this.deps = deps
    this.clients = new PeerRateLimiter(deps.messagesPerSecond, deps.messageBurst, deps.floodDrops)
    this.relays = new PeerRateLimiter(deps.messagesPerSecond * RELAY_RATE_FACTOR, deps.messageBurst * RELAY_RATE_FACTOR, deps.floodDrops * RELAY_RATE_FACTOR)
  }

  start (): void {
    this.deps.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.deps.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.reconcileTimer = setInterval(() => {
      for (const topic of this.deps.libp2p.services.pubsub.getTopics()) if (isChannelTopic(topic)) this.reconcile(topic)
    }, RECONCILE_MS)
  }

  stop (): void {
    this.deps.libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.deps.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    clearInterval(this.reconcileTimer)
    for (const timer of this.lingering.values()) clearTimeout(timer)
    this.lingering.clear()
  }

  private hasLocalDemand (topic: string): boolean {
    return this.deps.libp2p.services.pubsub.getSubscribers(topic).some((peer) => !this.deps.isRelay(peer))
  }

  private reconcile (topic: string): void {
    const pubsub = this.deps.libp2p.services.pubsub
    const subscribed = pubsub.getTopics().includes(topic)
    if (this.hasLocalDemand(topic)) {
      const timer = this.lingering.get(topic)
      if (timer !== undefined) clearTimeout(timer)
      this.lingering.delete(topic)
      if (!subscribed) {
        registerChannelTopicScore(pubsub, topic)
        pubsub.topicValidators.set(topic, (source, msg) => this.validate(source, msg.data))
        pubsub.subscribe(topic)
        this.deps.log.debug({ topic }, 'carrying channel')
      }
    } else if (subscribed && !this.lingering.has(topic)) {
      this.lingering.set(topic, setTimeout(() => {
        this.lingering.delete(topic)
        if (this.hasLocalDemand(topic)) return
        pubsub.unsubscribe(topic)
        pubsub.topicValidators.delete(topic)
        this.deps.log.debug({ topic }, 'no longer carrying channel')
      }, TOPIC_LINGER_MS))
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
    const verdict = limiter.check(source.toString(), Date.now())
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
