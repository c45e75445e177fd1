/**
 * A libp2p node with gossipsub at its defaults (what a first libp2p attempt
 * looks like), on the test kit's transports and connection layers.
 */
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { startLibp2p } from '@rtmesh/testkit'

export const BENCH_TOPIC = 'bench'

export async function naiveNode (listen: string[] = []): Promise<Libp2p<{ pubsub: GossipSub }>> {
  return await startLibp2p({
    listen,
    // the one change needed for a benchmark on one machine: accept many connections from 127.0.0.1
    connectionManager: { inboundConnectionThreshold: 1_000, maxIncomingPendingConnections: 1_000 },
    services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) }
  })
}
