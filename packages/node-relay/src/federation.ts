/**
 * Relays find each other: each announces its addresses on a public topic
 * that only relays subscribe to, and dials relays it hears of, so peers
 * bootstrapped from different relays share channels even when only some
 * relays were given `--peer`.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import { FEDERATION_ANNOUNCE_MS, FEDERATION_TOPIC } from './constants.ts'

/** Dials to announced relays in flight at once, at most. */
const MAX_FEDERATION_DIALS = 64

interface Announcement { p: string, a: string[] }

function parse (data: Uint8Array): Announcement | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as unknown
    if (typeof value !== 'object' || value === null) return undefined
    const { p, a } = value as Record<string, unknown>
    if (typeof p !== 'string' || !Array.isArray(a) || a.length > 16) return undefined
    const addrs = a.filter((x): x is string => typeof x === 'string' && x.endsWith(`/p2p/${p}`))
    return { p, a: addrs }
  } catch {
    return undefined
  }
}

export class Federation {
  private readonly libp2p: Libp2p<{ pubsub: GossipSub }>
  private readonly log: Logger
  private readonly isRelay: (peer: PeerId) => boolean
  private timer: ReturnType<typeof setInterval> | undefined
  /** Announced relays being dialled now; a relay that later drops can be met again. */
  private readonly dialing = new Set<string>()
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic !== FEDERATION_TOPIC) return
    const announcement = parse(evt.detail.data)
    if (announcement !== undefined) this.meet(announcement)
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => {
    if (this.isRelay(evt.detail.peerId)) this.announce()
  }

  constructor (libp2p: Libp2p<{ pubsub: GossipSub }>, log: Logger, isRelay: (peer: PeerId) => boolean) {
    this.libp2p = libp2p
    this.log = log
    this.isRelay = isRelay
  }

  start (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(FEDERATION_TOPIC, (source, msg) =>
      this.isRelay(source) && parse(msg.data) !== undefined ? TopicValidatorResult.Accept : TopicValidatorResult.Reject)
    pubsub.subscribe(FEDERATION_TOPIC)
    pubsub.addEventListener('message', this.onMessage)
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.timer = setInterval(() => { this.announce() }, FEDERATION_ANNOUNCE_MS)
  }

  stop (): void {
    clearInterval(this.timer)
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
  }

  private announce (): void {
    const a = this.libp2p.getMultiaddrs().map(String)
    const data = new TextEncoder().encode(JSON.stringify({ p: this.libp2p.peerId.toString(), a, t: Date.now() }))
    this.libp2p.services.pubsub.publish(FEDERATION_TOPIC, data).catch((err: unknown) => {
      this.log.debug({ err }, 'federation announcement failed')
    })
  }

  private meet ({ p, a }: Announcement): void {
    if (p === this.libp2p.peerId.toString() || this.dialing.has(p) || this.dialing.size >= MAX_FEDERATION_DIALS) return
    if (this.libp2p.getConnections().some((c) => c.remotePeer.toString() === p) || a.length === 0) return
    this.dialing.add(p)
    this.libp2p.dial(a.map((addr) => multiaddr(addr)))
      .then(() => { this.log.info({ relay: p }, 'federated with relay') })
      .catch((err: unknown) => { this.log.debug({ relay: p, err }, 'could not reach announced relay') })
      .finally(() => { this.dialing.delete(p) })
  }
}
