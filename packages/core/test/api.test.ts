/**
 * The webxdc API contract on a real node: errors, listener handling, leave
 * and rejoin, legacy sessions.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import {
  ChannelActiveError, ChannelClosedError, createRealtimeNode, deriveChannel, InvalidOptionError, MAX_MESSAGE_SIZE,
  MessageTooLargeError, NodeStoppedError
} from '../src/index.ts'
import type { RealtimeListener, RealtimeNode } from '../src/index.ts'
import { bytes, connect, record, sleep, startNodes, stopAll, text, waitFor, waitForMesh } from '@rtmesh/testkit'

describe('webxdc API contract', () => {
  let nodes: RealtimeNode[] = []
  const identity = { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
  const { topic } = deriveChannel(identity)

  before(async () => {
    nodes = await startNodes(2, { leaveLingerMs: 30_000 })
    const [a, b] = nodes
    if (a === undefined || b === undefined) throw new Error('nodes')
    await connect(a, b)
  })
  after(async () => { await stopAll(nodes) })

  /** Joins the channel at a (the sender) and at b (the receiver), and waits until the two form its mesh. */
  async function joinPair (): Promise<{ b: RealtimeNode, sender: RealtimeListener, receiver: RealtimeListener }> {
    const [a, b] = nodes
    assert.ok(a && b)
    const sender = a.webxdc(identity).joinRealtimeChannel()
    const receiver = b.webxdc(identity).joinRealtimeChannel()
    await waitForMesh(nodes, topic)
    return { b, sender, receiver }
  }

  it('refuses a second join of the same app with ChannelActiveError, and legacy sessions get null', () => {
    const webxdc = nodes[0]?.webxdc(identity)
    assert.ok(webxdc)
    const channel = webxdc.joinRealtimeChannel()
    assert.throws(() => webxdc.joinRealtimeChannel(), ChannelActiveError)
    // another object for the same pair shares the state
    assert.throws(() => nodes[0]?.webxdc(identity).joinRealtimeChannel(), { name: 'ChannelActiveError' })
    assert.equal(webxdc.joinRealtimeSession(() => {}), null)
    // another app of the same chat is independent
    const otherApp = nodes[0]?.webxdc({ ...identity, appId: 'other' }).joinRealtimeChannel()
    otherApp?.leave()
    channel.leave()
    channel.leave() // harmless
    const again = webxdc.joinRealtimeChannel()
    again.leave()
  })

  it('checks send arguments: TypeError, MessageTooLargeError, ChannelClosedError', () => {
    const channel = nodes[0]?.webxdc(identity).joinRealtimeChannel()
    assert.ok(channel)
    assert.throws(() => { channel.send('hello' as unknown as Uint8Array) }, TypeError)
    assert.throws(() => { channel.send([1, 2] as unknown as Uint8Array) }, TypeError)
    assert.throws(() => { channel.send(new Uint8Array(MAX_MESSAGE_SIZE + 1)) }, MessageTooLargeError)
    assert.throws(() => { channel.setListener('x' as unknown as () => void) }, TypeError)
    channel.send(new Uint8Array(MAX_MESSAGE_SIZE)) // the limit itself is fine, even with no peers
    channel.leave()
    assert.throws(() => { channel.send(new Uint8Array(1)) }, ChannelClosedError)
    assert.throws(() => { channel.setListener(() => {}) }, ChannelClosedError)
  })

  it('replaces listeners, survives throwing listeners, delivers identical bytes twice', async () => {
    const { b, sender, receiver } = await joinPair()
    const first: string[] = []
    const second: string[] = []
    receiver.setListener((data) => { first.push(text(data)) })
    sender.send(bytes('one'))
    await waitFor('one', () => first.length === 1)
    receiver.setListener((data) => {
      second.push(text(data))
      throw new Error('app bug')
    })
    const errorsBefore = b.stats().listenerErrors
    sender.send(bytes('two'))
    sender.send(bytes('two'))
    sender.send(bytes('three'))
    await waitFor('three', () => second.length === 3)
    assert.deepEqual(first, ['one'])
    assert.deepEqual(second, ['two', 'two', 'three'])
    assert.equal(b.stats().listenerErrors - errorsBefore, 3)
    sender.leave()
    receiver.leave()
  })

  it('after leave and rejoin, receives new data only', async () => {
    const pair = await joinPair()
    const { b, sender } = pair
    let { receiver } = pair
    let got = record(receiver)
    sender.send(bytes('before leave'))
    await waitFor('before leave', () => got.length === 1)
    receiver.leave()
    sender.send(bytes('while away'))
    await sleep(300)
    receiver = b.webxdc(identity).joinRealtimeChannel()
    got = record(receiver)
    sender.send(bytes('after rejoin'))
    await waitFor('after rejoin', () => got.length === 1)
    await sleep(300)
    assert.deepEqual(got.map(text), ['after rejoin'])
    sender.leave()
    receiver.leave()
  })

  it('legacy joinRealtimeSession sends and receives', async () => {
    const [a, b] = nodes
    assert.ok(a && b)
    const got: string[] = []
    const sessionA = a.webxdc(identity).joinRealtimeSession(() => {})
    const sessionB = b.webxdc(identity).joinRealtimeSession((data) => { got.push(text(data)) })
    assert.ok(sessionA && sessionB)
    await waitForMesh(nodes, topic)
    sessionA.send(bytes('legacy'))
    await waitFor('legacy', () => got.length === 1)
    assert.equal(b.webxdc(identity).joinRealtimeSession(() => {}), null)
    sessionA.leave()
    sessionB.leave()
    assert.throws(() => { sessionA.send(bytes('x')) }, ChannelClosedError)
  })

  it('rejects bad node options with InvalidOptionError before starting anything', async () => {
    await assert.rejects(createRealtimeNode({ bootstrap: ['not a multiaddr'] }), InvalidOptionError)
    await assert.rejects(createRealtimeNode({ reorderTimeoutMs: -1 }), InvalidOptionError)
    await assert.rejects(createRealtimeNode({ listen: 'x' as unknown as string[] }), InvalidOptionError)
  })

  it('refuses joins after stop with NodeStoppedError', async () => {
    const [node] = await startNodes(1)
    assert.ok(node)
    const webxdc = node.webxdc(identity)
    const channel = webxdc.joinRealtimeChannel()
    await node.stop()
    await node.stop()
    assert.throws(() => { channel.send(bytes('x')) }, ChannelClosedError)
    assert.throws(() => webxdc.joinRealtimeChannel(), NodeStoppedError)
  })

})
