/**
 * Channels handed out before the node has started bind to it when it is ready.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { ChannelActiveError, ChannelClosedError, MessageTooLargeError } from '@rtmesh/core'
import type { RealtimeNode } from '@rtmesh/core'
import { bytes, connect, record, startNodes, stopAll, text, waitFor } from '../../core/test/helpers.ts'
import { lazyWebxdc, MAX_QUEUED } from '../src/lazy.ts'

describe('lazyWebxdc', () => {
  it('queues sends and listeners until the node is ready, then delivers them', async () => {
    const identity = { secret: randomBytes(32), chatId: 'c', appId: 'a' }
    const [a, b] = await startNodes(2)
    assert.ok(a && b)
    try {
      await connect(a, b)
      const receiver = b.webxdc(identity).joinRealtimeChannel()
      const got = record(receiver)
      let resolve: (node: RealtimeNode) => void = () => {}
      const pending = new Promise<RealtimeNode>((r) => { resolve = r })
      const errors: unknown[] = []
      const webxdc = lazyWebxdc(pending, identity, (err) => { errors.push(err) })
      const channel = webxdc.joinRealtimeChannel()
      assert.throws(() => webxdc.joinRealtimeChannel(), ChannelActiveError)
      assert.equal(webxdc.joinRealtimeSession(() => {}), null)
      assert.throws(() => { channel.send(new Uint8Array(128_001)) }, MessageTooLargeError)
      assert.throws(() => { channel.send('x' as unknown as Uint8Array) }, TypeError)
      const early = record(channel)
      // wait for b's subscription to be known before a's node is handed over
      for (let i = 0; i < MAX_QUEUED + 5; i++) channel.send(bytes(`queued ${i}`))
      await new Promise((r) => setTimeout(r, 500))
      resolve(a)
      await waitFor('the queued sends', () => got.length === MAX_QUEUED, 10_000)
      assert.deepEqual(got.map(text), Array.from({ length: MAX_QUEUED }, (_, i) => `queued ${i + 5}`))
      receiver.send(bytes('to the early listener'))
      await waitFor('the early listener', () => early.length === 1)
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
})
