/**
 * Channels handed out before the node has started bind to it when it is
 * ready; sends made while no peer can receive them are dropped and counted,
 * never delivered to peers that come later.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { ChannelActiveError, ChannelClosedError, deriveChannel, MessageTooLargeError } from '@rtmesh/core'
import type { RealtimeNode } from '@rtmesh/core'
import { bytes, connect, record, sendUntilHeard, startNodes, stopAll, text, waitFor } from '@rtmesh/testkit'
import { lazyWebxdc } from '../src/lazy.ts'

const EARLY_SENDS = 70

/** Whether `node` knows `peer` as a subscriber of `topic`. */
function knowsSubscriber (node: RealtimeNode, peer: RealtimeNode, topic: string): boolean {
  return node.libp2p.services.pubsub.getSubscribers(topic).some((id) => id.equals(peer.libp2p.peerId))
}

describe('lazyWebxdc', () => {
  it('drops and counts sends made before the node is ready; a peer connected by then never gets them', async () => {
    const identity = { secret: randomBytes(32), chatId: 'c', appId: 'a' }
    const { topic } = deriveChannel(identity)
    const [a, b] = await startNodes(2)
    assert.ok(a && b)
    try {
      await connect(a, b)
      const receiver = b.webxdc(identity).joinRealtimeChannel()
      const got = record(receiver)
      let resolve: (node: RealtimeNode) => void = () => {}
      const pending = new Promise<RealtimeNode>((r) => { resolve = r })
      const errors: unknown[] = []
      const { webxdc, unsent } = lazyWebxdc(pending, identity, (err) => { errors.push(err) })
      const channel = webxdc.joinRealtimeChannel()
      assert.throws(() => webxdc.joinRealtimeChannel(), ChannelActiveError)
      assert.equal(webxdc.joinRealtimeSession(() => {}), null)
      assert.throws(() => { channel.send(new Uint8Array(128_001)) }, MessageTooLargeError)
      assert.throws(() => { channel.send('x' as unknown as Uint8Array) }, TypeError)
      const early = record(channel)
      for (let i = 0; i < EARLY_SENDS; i++) channel.send(bytes(`early ${i}`))
      assert.equal(unsent(), EARLY_SENDS, 'every send before the node is ready is counted as unsent')
      // b is a subscriber a knows before a's node is handed over: anything a
      // kept from before would reach b as soon as a's channel binds
      await waitFor('a to know b subscribes', () => knowsSubscriber(a, b, topic))
      resolve(a)
      await waitFor('a to join the channel', () => a.libp2p.services.pubsub.getTopics().includes(topic))
      await sendUntilHeard(channel, got, 'later', 100) // heard: the channel is bound and b reachable
      assert.deepEqual(got.map(text).filter((t) => t.startsWith('early')), [], 'no send from before the node was ready')
      assert.equal(unsent(), EARLY_SENDS)
      receiver.send(bytes('to the early listener'))
      await waitFor('the early listener', () => early.some((d) => text(d) === 'to the early listener'))
      channel.leave()
      assert.throws(() => { channel.send(bytes('x')) }, ChannelClosedError)
      const again = webxdc.joinRealtimeChannel()
      again.leave()
      assert.deepEqual(errors, [])
      receiver.leave()
    } finally {
      await stopAll([a, b])
    }
  })

  it('drops and counts sends while the node has no connection', async () => {
    const identity = { secret: randomBytes(32), chatId: 'c', appId: 'a' }
    const [a, b] = await startNodes(2)
    assert.ok(a && b)
    try {
      const { webxdc, unsent } = lazyWebxdc(Promise.resolve(a), identity, (err) => { throw err })
      const channel = webxdc.joinRealtimeChannel()
      await waitFor('a to join the channel', () => a.libp2p.services.pubsub.getTopics().includes(deriveChannel(identity).topic))
      channel.send(bytes('alone 1'))
      channel.send(bytes('alone 2'))
      assert.equal(unsent(), 2)
      const receiver = b.webxdc(identity).joinRealtimeChannel()
      const got = record(receiver)
      await connect(a, b)
      await sendUntilHeard(channel, got, 'together', 100)
      assert.deepEqual(got.map(text).filter((t) => t.startsWith('alone')), [])
      assert.equal(unsent(), 2)
      channel.leave()
      receiver.leave()
    } finally {
      await stopAll([a, b])
    }
  })
})
