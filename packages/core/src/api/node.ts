/**
 * A realtime node: a libp2p node with gossipsub, serving the webxdc realtime
 * API for any number of chat-and-app pairs.
 */
import { randomBytes } from '@noble/hashes/utils.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { RealtimeListener } from '@webxdc/types'
import { BootstrapKeeper } from '../libp2p/bootstrap.ts'
import { RealtimeChannel } from './channel.ts'
import type { ChannelEnvironment } from './channel.ts'
import { deriveChannel } from '../proto/derive.ts'
import { Discovery } from '../libp2p/discovery.ts'
import type { MemberInfo } from '../libp2p/discovery.ts'
import type { ChannelIdentity } from '../proto/derive.ts'
import { NodeStoppedError } from '../errors.ts'
import { gossipsubPort } from '../libp2p/gossipsub-port.ts'
import type { GossipsubPort } from '../libp2p/gossipsub-port.ts'
import { resolveRealtimeOptions } from './options.ts'
import type { RealtimeOptions, ResolvedRealtimeOptions } from './options.ts'
import { copyStats, emptyStats } from '../proto/stats.ts'
import type { RealtimeStats } from '../proto/stats.ts'
import { PRESENCE_KIND } from '../proto/presence.ts'
import { configuredRelays } from '../libp2p/relays.ts'
import { webxdcRealtime } from './webxdc.ts'
import type { WebxdcRealtime } from './webxdc.ts'

/** A libp2p node whose `pubsub` service is gossipsub. */
export type PubSubLibp2p = Libp2p<{ pubsub: GossipSub }>

export interface RealtimeNode {
  /** This node's libp2p peer id. */
  readonly peerId: string
  /** The addresses this node is reachable at (empty for client-only nodes). */
  readonly multiaddrs: string[]
  /** The underlying libp2p node, for advanced use (dialling, events). */
  readonly libp2p: PubSubLibp2p
  /** The webxdc realtime API of one chat-and-app pair. */
  webxdc: (identity: ChannelIdentity) => WebxdcRealtime
  /**
   * The other members of this pair's joined channel that announced
   * themselves, and whether each is directly connected; empty when the
   * channel is not joined or discovery is off.
   */
  members: (identity: ChannelIdentity) => MemberInfo[]
  /** Counters: frames sent, delivered and dropped (by reason). */
  stats: () => RealtimeStats
  /** Leaves every channel and stops the node. Idempotent. */
  stop: () => Promise<void>
}

class Node implements RealtimeNode {
  readonly libp2p: PubSubLibp2p
  private readonly options: ResolvedRealtimeOptions
  private readonly port: GossipsubPort
  private readonly keeper: BootstrapKeeper
  private readonly discovery: Discovery
  private readonly active = new Map<string, RealtimeChannel>()
  private readonly counters = emptyStats()
  private readonly env: ChannelEnvironment
  private stopping: Promise<void> | undefined

  constructor (libp2p: PubSubLibp2p, options: ResolvedRealtimeOptions) {
    this.libp2p = libp2p
    this.options = options
    this.port = gossipsubPort(libp2p.services.pubsub, { lingerMs: options.leaveLingerMs, isRelay: configuredRelays(options.bootstrap) })
    const log = libp2p.logger.forComponent('rtmesh:node')
    this.keeper = new BootstrapKeeper(libp2p, options.bootstrap, log)
    this.discovery = new Discovery(libp2p, log, options.directPeersPerChannel)
    this.env = {
      port: this.port,
      stats: this.counters,
      now: Date.now,
      randomBytes,
      onError: (message, err) => { log.error('%s: %e', message, err) },
      onLeaving: (channel) => { this.discovery.bye(channel) },
      onControl: (channel, kind, payload) => {
        if (kind === PRESENCE_KIND) this.discovery.onPresence(channel, payload)
        else this.counters.dropped.kind++
      }
    }
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString())
  }

  async start (): Promise<void> {
    this.keeper.start()
    await this.keeper.dialAll()
  }

  webxdc (identity: ChannelIdentity): WebxdcRealtime {
    const derived = deriveChannel(identity)
    const { topic } = derived
    return webxdcRealtime(
      () => this.active.has(topic),
      (): RealtimeListener => {
        if (this.stopping !== undefined) throw new NodeStoppedError()
        const channel = new RealtimeChannel(derived, this.env, this.options, () => {
          this.discovery.detach(channel)
          if (this.active.get(topic) === channel) this.active.delete(topic)
        })
        this.active.set(topic, channel)
        this.discovery.attach(channel)
        return channel
      }
    )
  }

  members (identity: ChannelIdentity): MemberInfo[] {
    const channel = this.active.get(deriveChannel(identity).topic)
    return channel === undefined ? [] : this.discovery.members(channel)
  }

  stats (): RealtimeStats {
    return copyStats(this.counters)
  }

  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      for (const channel of [...this.active.values()]) channel.leave()
      this.port.close()
      this.discovery.stop()
      this.keeper.stop()
      await this.libp2p.stop()
    })()
    await this.stopping
  }
}

/**
 * Serves the realtime API on an existing, started libp2p node whose
 * `services.pubsub` is gossipsub configured with `channelGossipsubOptions()`.
 * Use this to embed rtmesh in an application that builds its own libp2p
 * node (browsers, relays, custom transports).
 */
export async function createRealtimeNodeFromLibp2p (libp2p: PubSubLibp2p, options: RealtimeOptions = {}): Promise<RealtimeNode> {
  const node = new Node(libp2p, resolveRealtimeOptions(options))
  await node.start()
  return node
}
