/**
 * A realtime node: a libp2p node with gossipsub and the rtmesh service,
 * serving the webxdc realtime API for any number of chat-and-app pairs.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { ChannelIdentity } from '../proto/derive.ts'
import type { ConnectionState } from '../proto/machine.ts'
import type { MemberInfo } from '../proto/members.ts'
import type { RealtimeStats } from '../proto/stats.ts'
import { RtmeshService } from '../libp2p/service.ts'
import type { Rtmesh, RtmeshComponents } from '../libp2p/service.ts'
import { InvalidOptionError } from '../errors.ts'
import type { RealtimeOptions } from './options.ts'
import type { WebxdcRealtime } from './webxdc.ts'

/** A libp2p node whose `pubsub` service is gossipsub. */
export type PubSubLibp2p = Libp2p<{ pubsub: GossipSub }>

export interface RealtimeNode extends Rtmesh {
  /** This node's libp2p peer id. */
  readonly peerId: string
  /** The addresses this node is reachable at (empty for client-only nodes). */
  readonly multiaddrs: string[]
  /** The underlying libp2p node, for advanced use (dialling, events). */
  readonly libp2p: PubSubLibp2p
  /** Leaves every channel and stops the node. Idempotent. */
  stop: () => Promise<void>
}

class RealtimeNodeImpl implements RealtimeNode {
  readonly libp2p: PubSubLibp2p
  private readonly service: RtmeshService
  private stopping: Promise<void> | undefined

  constructor (libp2p: PubSubLibp2p, service: RtmeshService) {
    this.libp2p = libp2p
    this.service = service
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString())
  }

  webxdc (identity: ChannelIdentity): WebxdcRealtime {
    return this.service.webxdc(identity)
  }

  members (identity: ChannelIdentity): MemberInfo[] {
    return this.service.members(identity)
  }

  stats (): RealtimeStats {
    return this.service.stats()
  }

  connection (): ConnectionState {
    return this.service.connection()
  }

  onConnection (listener: (state: ConnectionState) => void): () => void {
    return this.service.onConnection(listener)
  }

  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      this.service.stop()
      await this.libp2p.stop()
    })()
    await this.stopping
  }
}

/** The service's components from a libp2p node's public API (for a service that is not one of the node's services). */
export function libp2pComponents (libp2p: PubSubLibp2p): RtmeshComponents {
  return {
    peerId: libp2p.peerId,
    events: libp2p,
    connectionManager: {
      openConnection: async (target, dialOptions) => await libp2p.dial(target, dialOptions),
      getConnections: (peer) => libp2p.getConnections(peer)
    },
    addressManager: { getAddresses: () => libp2p.getMultiaddrs() },
    logger: libp2p.logger,
    pubsub: libp2p.services.pubsub
  }
}

/**
 * Serves the realtime API on a libp2p node. If the node has an `rtmesh`
 * service (`services: { rtmesh: rtmesh(options) }`) that one is used and
 * `options` must be empty; otherwise the service is started here on the
 * node's public API. `services.pubsub` must be gossipsub configured with
 * `channelGossipsubOptions()` (`realtimeLibp2pOptions()` gives both).
 * Resolves once the bootstrap peers were dialled once.
 */
export async function createRealtimeNodeFromLibp2p (libp2p: PubSubLibp2p, options: RealtimeOptions = {}): Promise<RealtimeNode> {
  const own: unknown = (libp2p.services as Record<string, unknown>).rtmesh
  let service: RtmeshService
  if (own instanceof RtmeshService) {
    if (Object.keys(options).length > 0) throw new InvalidOptionError('options', 'give them to rtmesh() in the node\'s services, not here')
    service = own
  } else {
    service = new RtmeshService(libp2pComponents(libp2p), options)
    service.start()
  }
  await service.afterStart()
  return new RealtimeNodeImpl(libp2p, service)
}
