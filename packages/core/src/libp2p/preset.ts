/**
 * The one libp2p stanza every rtmesh node shares (Node peers, browsers,
 * relays, test nodes): Noise, Yamux, identify and gossipsub with the channel
 * settings. Callers add transports, addresses and their own services.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2pOptions } from 'libp2p'
import { channelGossipsubOptions } from './gossipsub-options.ts'

/** The stanza: spread it into `createLibp2p`, and `services` into your services. */
export interface RealtimeLibp2pParts {
  connectionEncrypters: NonNullable<Libp2pOptions['connectionEncrypters']>
  streamMuxers: NonNullable<Libp2pOptions['streamMuxers']>
  services: {
    identify: ReturnType<typeof identify>
    pubsub: ReturnType<typeof gossipsub>
  }
}

/** Encryption and multiplexing, the same on every rtmesh connection. */
export function connectionLayers (): Omit<RealtimeLibp2pParts, 'services'> {
  return { connectionEncrypters: [noise()], streamMuxers: [yamux()] }
}

/**
 * Encryption, multiplexing, identify and gossipsub; `gossipsub` is merged
 * over `channelGossipsubOptions()`.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ ...realtimeLibp2pOptions(), transports: [webSockets()] })
 * ```
 */
export function realtimeLibp2pOptions (gossipsubOverrides: Partial<GossipsubOpts> = {}): RealtimeLibp2pParts {
  return {
    ...connectionLayers(),
    services: {
      identify: identify(),
      pubsub: gossipsub(channelGossipsubOptions(gossipsubOverrides))
    }
  }
}
