/**
 * Member discovery: members that met through a third node connect directly
 * and keep talking when it is gone.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { deriveChannel } from '../src/index.ts'
import { bytes, connect, record, startNodes, stopAll, text, waitFor } from '@rtmesh/testkit'

describe('member discovery', () => {
  it('members that met through a hub connect directly and survive the hub', async () => {
    const identity = { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
    const { topic } = deriveChannel(identity)
    const [hub, a, c] = await startNodes(3)
    assert.ok(hub && a && c)
    try {
      await connect(a, hub)
      await connect(c, hub)
      const hubChannel = hub.webxdc(identity).joinRealtimeChannel()
      const channelA = a.webxdc(identity).joinRealtimeChannel()
      const channelC = c.webxdc(identity).joinRealtimeChannel()
      const gotC = record(channelC)
      const direct = (): boolean => a.libp2p.getConnections(c.libp2p.peerId).some((conn) => conn.status === 'open')
      await waitFor('a and c to connect directly', direct, 10_000)
      await waitFor('a to see c subscribed', () => a.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(c.libp2p.peerId)))
      hubChannel.leave()
      await hub.stop()
      channelA.send(bytes('without the hub'))
      await waitFor('c to receive over the direct link', () => gotC.length === 1)
      assert.deepEqual(gotC.map(text), ['without the hub'])
      channelA.leave()
      channelC.leave()
    } finally {
      await stopAll([hub, a, c])
    }
  })

  it('does not connect members when discovery is off', async () => {
    const identity = { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
    const [hub, a, c] = await startNodes(3, { directPeersPerChannel: 0 })
    assert.ok(hub && a && c)
    try {
      await connect(a, hub)
      await connect(c, hub)
      const channels = [hub, a, c].map((n) => n.webxdc(identity).joinRealtimeChannel())
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 0)
      for (const channel of channels) channel.leave()
    } finally {
      await stopAll([hub, a, c])
    }
  })
})
