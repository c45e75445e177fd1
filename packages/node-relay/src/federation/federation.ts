/**
 * Relays find each other: each announces its addresses and the relays its
 * operator configured, signed with its identity key, on a public topic that
 * relays subscribe to. A relay acts only on announcements of relays it trusts
 * (`RelayTrust`): it dials a trusted relay it is not connected to, at a
 * bounded number of its announced addresses, and never at non-public ones
 * unless the operator allows it.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import { encodeAnnouncement, parseAnnouncement, verifyAnnouncement } from './announcement.ts'
import type { Announcement } from './announcement.ts'
import { FEDERATION_ANNOUNCE_MS, FEDERATION_TOPIC } from '../constants.ts'
import { guarded } from '../guarded.ts'
import type { RelayMetrics } from '../metrics.ts'
import type { RelayTrust } from './trust.ts'

/** Dials to announced relays in flight at once, at most. */
const MAX_FEDERATION_DIALS = 16
/** Addresses of one announced relay dialled, at most (a relay has a WebSockets and a TCP address per interface). */
const MAX_DIAL_ADDRS = 4
/** Announcements whose time is further than this from ours are refused (replays of old ones; clocks agree within minutes). */
const MAX_ANNOUNCEMENT_AGE_MS = 5 * 60_000

export interface FederationDeps {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  privateKey: PrivateKey
  trust: RelayTrust
  /** Dial announced private (loopback, LAN) addresses too: for test networks and LANs. */
  allowPrivate: boolean
  metrics: RelayMetrics
  log: Logger
}

/** Only the addresses a relay may dial: public IP addresses (or any IP when allowed), no DNS, at most a few. */
export function dialableAddrs (addrs: Multiaddr[], allowPrivate: boolean): Multiaddr[] {
  return addrs.filter((ma) => {
    const first = ma.getComponents()[0]
    if (first?.name !== 'ip4' && first?.name !== 'ip6') return false
    if (ma.getComponents().some((c) => c.name === 'p2p-circuit')) return false
    return allowPrivate || !isPrivate(ma)
  }).slice(0, MAX_DIAL_ADDRS)
}

export class Federation {
  private readonly deps: FederationDeps
  private timer: ReturnType<typeof setInterval> | undefined
  /** Announced relays being dialled now; a relay that later drops can be met again. */
  private readonly dialing = new Set<string>()
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic !== FEDERATION_TOPIC) return
    guarded(this.deps, 'federation message', () => {
      // only announcements `validate` accepted (fresh, signed, trusted) get here
      const announcement = parseAnnouncement(evt.detail.data)
      if (announcement !== undefined) this.meet(announcement)
    })
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => {
    guarded(this.deps, 'peer:identify', () => {
      if (this.deps.trust.isRelay(evt.detail.peerId)) this.announce()
    })
  }

  constructor (deps: FederationDeps) {
    this.deps = deps
  }

  start (): void {
    const pubsub = this.deps.libp2p.services.pubsub
    pubsub.topicValidators.set(FEDERATION_TOPIC, async (_source, msg) => await this.validate(msg.data))
    pubsub.subscribe(FEDERATION_TOPIC)
    pubsub.addEventListener('message', this.onMessage)
    this.deps.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.timer = setInterval(() => { this.announce() }, FEDERATION_ANNOUNCE_MS)
  }

  stop (): void {
    clearInterval(this.timer)
    const pubsub = this.deps.libp2p.services.pubsub
    pubsub.topicValidators.delete(FEDERATION_TOPIC)
    pubsub.removeEventListener('message', this.onMessage)
    this.deps.libp2p.removeEventListener('peer:identify', this.onIdentify)
  }

  /** Accepts only fresh, correctly signed announcements of trusted relays; everything else is rejected and counted. */
  private async validate (data: Uint8Array): Promise<TopicValidatorResult> {
    const reject = (reason: string): TopicValidatorResult => {
      this.deps.metrics.announcementsRejected.inc({ reason })
      return TopicValidatorResult.Reject
    }
    const announcement = parseAnnouncement(data)
    if (announcement === undefined) return reject('malformed')
    const id = announcement.peerId.toString()
    if (id === this.deps.libp2p.peerId.toString()) return TopicValidatorResult.Ignore
    if (!this.deps.trust.isRelay(id)) return reject('untrusted')
    if (Math.abs(Date.now() - announcement.time) > MAX_ANNOUNCEMENT_AGE_MS) return reject('stale')
    if (!await verifyAnnouncement(announcement)) return reject('signature')
    if (!this.deps.trust.accept(id, announcement.time, announcement.vouches)) return TopicValidatorResult.Ignore
    return TopicValidatorResult.Accept
  }

  private announce (): void {
    const { libp2p, privateKey, trust, log } = this.deps
    encodeAnnouncement(privateKey, libp2p.peerId, libp2p.getMultiaddrs(), trust.configuredIds, Date.now())
      .then(async (data) => { await libp2p.services.pubsub.publish(FEDERATION_TOPIC, data) })
      .catch((err: unknown) => { log.debug({ err }, 'federation announcement failed') })
  }

  private meet (announcement: Announcement): void {
    const { libp2p, allowPrivate, log } = this.deps
    const p = announcement.peerId.toString()
    if (this.dialing.has(p) || this.dialing.size >= MAX_FEDERATION_DIALS) return
    if (libp2p.getConnections(announcement.peerId).length > 0) return
    const addrs = dialableAddrs(announcement.addrs, allowPrivate)
    if (addrs.length === 0) return
    this.dialing.add(p)
    libp2p.dial(addrs)
      .then(() => { log.info({ relay: p }, 'federated with relay') })
      .catch((err: unknown) => { log.debug({ relay: p, err }, 'could not reach announced relay') })
      .finally(() => { this.dialing.delete(p) })
  }
}
