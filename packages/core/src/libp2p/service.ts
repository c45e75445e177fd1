/**
 * `rtmesh()`: the realtime channels as a libp2p service, next to gossipsub:
 *
 * ```ts
 * const libp2p = await createLibp2p({
 *   ...realtimeLibp2pOptions(),
 *   transports: [webSockets()],
 *   services: { ...realtimeLibp2pOptions().services, rtmesh: rtmesh({ bootstrap: [relay] }) }
 * })
 * const channel = libp2p.services.rtmesh.webxdc({ secret, chatId, appId }).joinRealtimeChannel()
 * ```
 *
 * One `ChannelMachine` per joined channel holds the protocol state; this
 * adapter feeds it frames, links, addresses and timers and carries out its
 * effects (`runtime.ts`).
 */
import { randomBytes } from '@noble/hashes/utils.js'
import { serviceDependencies } from '@libp2p/interface'
import type { AbortOptions, ComponentLogger, Connection, Libp2pEvents, Logger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { GossipSub } from '@libp2p/gossipsub'
import { ChannelHandle } from '../api/handle.ts'
import { resolveRealtimeOptions } from '../api/options.ts'
import type { RealtimeOptions, ResolvedRealtimeOptions } from '../api/options.ts'
import { webxdcRealtime } from '../api/webxdc.ts'
import type { WebxdcRealtime } from '../api/webxdc.ts'
import { NodeStoppedError } from '../errors.ts'
import { deriveChannel } from '../proto/derive.ts'
import type { ChannelIdentity } from '../proto/derive.ts'
import { ChannelMachine, nodeConnectionState } from '../proto/machine.ts'
import type { ChannelEvent, ConnectionState } from '../proto/machine.ts'
import type { MemberInfo, PresenceTiming } from '../proto/members.ts'
import { configuredRelays } from '../proto/relays.ts'
import { copyStats, emptyStats } from '../proto/stats.ts'
import type { RealtimeStats } from '../proto/stats.ts'
import { BootstrapKeeper } from './bootstrap.ts'
import { ChannelRuntime } from './runtime.ts'
import { ChannelTopics } from './topics.ts'

/** The components the service uses (a libp2p node provides them to its services). */
export interface RtmeshComponents {
  peerId: PeerId
  events: TypedEventTarget<Libp2pEvents>
  /** The parts of libp2p's connection manager used. */
  connectionManager: {
    openConnection: (target: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions) => Promise<Connection>
    getConnections: (peer?: PeerId) => Connection[]
  }
  /** The part of libp2p's address manager used. */
  addressManager: { getAddresses: () => Multiaddr[] }
  logger: ComponentLogger
  /** Gossipsub configured with `channelGossipsubOptions()`, registered as the `pubsub` service. */
  pubsub: GossipSub
}

/** The realtime API of a node, for any number of chat-and-app pairs. */
export interface Rtmesh {
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
  /**
   * The node's connection state: `direct` while some joined channel has a
   * direct link to one of its members, otherwise `relayed` while a
   * configured relay (bootstrap peer) is connected, otherwise `offline`.
   */
  connection: () => ConnectionState
  /**
   * Calls `listener` with the new state on each change of `connection()`
   * from now on; returns a function that removes it. A listener that throws
   * is logged and counted (`listenerErrors`).
   */
  onConnection: (listener: (state: ConnectionState) => void) => () => void
}

/**
 * A dial to a member gives up after this long. A signal of our own replaces
 * libp2p's overall dial timeout (10 s), and without one a dial walking
 * through a member's relayed addresses under load ran for about 24 s while
 * counting against the links a channel seeks.
 */
const MEMBER_DIAL_TIMEOUT_MS = 10_000

interface Joined {
  runtime: ChannelRuntime
  handle: ChannelHandle
}

/**
 * Settings that are not options: the protocol's timing, which all members of
 * a channel must share (a receiver judges loss by its own TTL), changed only
 * by tests that cannot wait out the real values.
 */
export interface RtmeshInternals {
  presenceTiming?: PresenceTiming
}

export class RtmeshService implements Rtmesh, Startable {
  readonly [Symbol.toStringTag] = '@rtmesh/service'
  readonly [serviceDependencies]: string[] = ['@libp2p/pubsub']
  private readonly components: RtmeshComponents
  private readonly options: ResolvedRealtimeOptions
  private readonly internals: RtmeshInternals
  private readonly isRelay: (peer: PeerId) => boolean
  private readonly log: Logger
  private readonly counters = emptyStats()
  private readonly joined = new Map<string, Joined>()
  private topics: ChannelTopics | undefined
  private keeper: BootstrapKeeper | undefined
  private abort = new AbortController()
  private running = false
  private state: ConnectionState = 'offline'
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>()

  constructor (components: RtmeshComponents, options: RealtimeOptions = {}, internals: RtmeshInternals = {}) {
    this.components = components
    this.options = resolveRealtimeOptions(options)
    this.internals = internals
    this.isRelay = configuredRelays(this.options.bootstrap)
    this.log = components.logger.forComponent('rtmesh')
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.abort = new AbortController()
    const { components, options } = this
    this.topics = new ChannelTopics(components.pubsub, { lingerMs: options.leaveLingerMs, isRelay: configuredRelays(options.bootstrap) })
    const cm = components.connectionManager
    const events = components.events
    this.keeper = new BootstrapKeeper({
      dial: async (target, dialOptions) => await cm.openConnection(target, dialOptions),
      getConnections: (peer) => cm.getConnections(peer),
      addEventListener: events.addEventListener.bind(events),
      removeEventListener: events.removeEventListener.bind(events)
    }, options.bootstrap, this.log)
    this.keeper.start()
    events.addEventListener('self:peer:update', this.onSelfUpdate)
    events.addEventListener('connection:open', this.onConnectionEvent)
    events.addEventListener('connection:close', this.onConnectionEvent)
  }

  /** Resolves when every bootstrap peer was dialled once (successfully or not). */
  async afterStart (): Promise<void> {
    await this.keeper?.dialAll()
  }

  stop (): void {
    if (!this.running) return
    this.running = false
    for (const { handle } of [...this.joined.values()]) handle.leave()
    this.abort.abort()
    const events = this.components.events
    events.removeEventListener('self:peer:update', this.onSelfUpdate)
    events.removeEventListener('connection:open', this.onConnectionEvent)
    events.removeEventListener('connection:close', this.onConnectionEvent)
    this.keeper?.stop()
    this.connectionListeners.clear()
    try {
      this.topics?.close()
    } catch (err) {
      // gossipsub was stopped first (libp2p stopped before this service): no subscriptions are left to drop
      this.log('closing topics: %e', err)
    }
  }

  webxdc (identity: ChannelIdentity): WebxdcRealtime {
    const derived = deriveChannel(identity)
    const { topic } = derived
    return webxdcRealtime(() => this.joined.has(topic), () => {
      const topics = this.topics
      if (!this.running || topics === undefined) throw new NodeStoppedError()
      const now = Date.now()
      const machine = new ChannelMachine({
        derived,
        selfId: this.components.peerId.toString(),
        multiaddrs: this.ownAddresses(),
        directPeers: this.options.directPeersPerChannel,
        inbound: this.options,
        stats: this.counters,
        randomBytes,
        random: Math.random,
        presenceTiming: this.internals.presenceTiming
      }, now)
      const handle = new ChannelHandle({
        send: (data) => { joined.runtime.dispatch({ type: 'send', payload: data }) },
        leave: () => { joined.runtime.dispatch({ type: 'leave' }) }
      }, () => {
        if (this.joined.get(topic) === joined) this.joined.delete(topic)
        this.updateConnection()
      }, {
        members: () => machine.memberList(Date.now()),
        connection: () => machine.connectionState
      })
      const runtime = new ChannelRuntime(machine, handle, {
        topics,
        stats: this.counters,
        log: this.log,
        now: Date.now,
        isRelay: this.isRelay,
        dial: async (addrs) => await this.components.connectionManager.openConnection(addrs, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(MEMBER_DIAL_TIMEOUT_MS)]) }),
        connectionChanged: () => { this.updateConnection() }
      })
      const joined: Joined = { runtime, handle }
      this.joined.set(topic, joined)
      for (const peerId of this.directPeers()) runtime.dispatch({ type: 'link', peerId, up: true })
      runtime.dispatch({ type: 'relays', connected: this.relayConnected() })
      this.updateConnection()
      return handle
    })
  }

  members (identity: ChannelIdentity): MemberInfo[] {
    const members = this.joined.get(deriveChannel(identity).topic)?.runtime.machine.memberList(Date.now()) ?? []
    return members.map(({ peerId, direct }) => ({ peerId, direct }))
  }

  stats (): RealtimeStats {
    return copyStats(this.counters)
  }

  connection (): ConnectionState {
    return this.state
  }

  onConnection (listener: (state: ConnectionState) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onConnection expects a function')
    this.connectionListeners.add(listener)
    return () => { this.connectionListeners.delete(listener) }
  }

  /** Recomputes the node's state from its channels' and its relay connections; tells the listeners on a change. */
  private updateConnection (): void {
    if (!this.running) return
    const state = nodeConnectionState([...this.joined.values()].map(({ runtime }) => runtime.machine.connectionState), this.relayConnected())
    if (state === this.state) return
    this.state = state
    for (const listener of [...this.connectionListeners]) {
      try {
        listener(state)
      } catch (err) {
        this.counters.listenerErrors++
        this.log.error('connection listener threw: %e', err)
      }
    }
  }

  private ownAddresses (): string[] {
    return this.components.addressManager.getAddresses().map((ma) => ma.toString())
  }

  /** True while a configured relay (bootstrap peer) has an open connection. */
  private relayConnected (): boolean {
    return this.components.connectionManager.getConnections().some((c) => c.status === 'open' && this.isRelay(c.remotePeer))
  }

  private directPeers (): Set<string> {
    return new Set(this.components.connectionManager.getConnections().filter(isDirect).map((c) => c.remotePeer.toString()))
  }

  private broadcast (event: ChannelEvent): void {
    for (const { runtime } of this.joined.values()) runtime.dispatch(event)
  }

  /** Our addresses changed (a relay reservation came or went): tell every channel. */
  private readonly onSelfUpdate = (): void => {
    if (this.joined.size > 0) this.broadcast({ type: 'addresses', multiaddrs: this.ownAddresses() })
  }

  private readonly onConnectionEvent = (evt: CustomEvent<Connection>): void => {
    if (this.joined.size === 0) {
      this.updateConnection()
      return
    }
    const peer = evt.detail.remotePeer
    const up = this.components.connectionManager.getConnections(peer).some(isDirect)
    this.broadcast({ type: 'link', peerId: peer.toString(), up })
    this.broadcast({ type: 'relays', connected: this.relayConnected() })
    this.updateConnection()
  }
}

function isDirect (connection: Connection): boolean {
  return connection.status === 'open' && connection.limits === undefined
}

/**
 * The libp2p service factory: `services: { pubsub: gossipsub(channelGossipsubOptions()), rtmesh: rtmesh(options) }`.
 * Needs the `pubsub` service to be gossipsub with the channel settings.
 */
export function rtmesh (options: RealtimeOptions = {}): (components: RtmeshComponents) => RtmeshService {
  resolveRealtimeOptions(options) // validate before the node is built
  return (components) => new RtmeshService(components, options)
}
