/**
 * Channel semantics over real libp2p nodes on loopback: exact delivery of
 * every size over two hops, order, isolation by secret, chat and app, no
 * injection without the key, bad frames, replays, twenty nodes, ephemeral
 * delivery.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { deriveChannel, FrameKind, MAX_FRAME_SIZE, MAX_MESSAGE_SIZE, sealFrame } from '../src/index.ts'
import type { RealtimeListener, RealtimeNode } from '../src/index.ts'
import {
  bytes, connect, internals, record, sleep, startNodes, startRawNode, stopAll, text, waitFor, waitForMesh
} from '@rtmesh/testkit'
import type { RawNode } from '@rtmesh/testkit'

function identity (secret: Uint8Array, chatId = 'chat', appId = 'app'): { secret: Uint8Array, chatId: string, appId: string } {
  return { secret, chatId, appId }
}

describe('a channel over real libp2p nodes', () => {
  const secret = randomBytes(32)
  const { topic } = deriveChannel(identity(secret))
  let nodes: RealtimeNode[] = []

  // a line a — b — c, so c hears a only through b's forwarding
  before(async () => {
    nodes = await startNodes(3)
    const [a, b, c] = nodes
    assert.ok(a && b && c)
    await connect(a, b)
    await connect(b, c)
  })
  after(async () => { await stopAll(nodes) })

  // channels a test opened are left after it, pass or fail
  const open: RealtimeListener[] = []
  afterEach(() => { for (const channel of open.splice(0)) channel.leave() })

  function join (node: RealtimeNode | undefined, id = identity(secret)): RealtimeListener {
    assert.ok(node)
    const channel = node.webxdc(id).joinRealtimeChannel()
    open.push(channel)
    return channel
  }

  /**
   * Waits until `hub` (a member) and the raw nodes `raws` (connected to it
   * and subscribed) can reach each other on the topic: `hub` sees them
   * subscribed, `members` form the topic's mesh, and each of `raws` sees
   * `hub` subscribed (gossipsub publishes only to peers it knows to be).
   */
  async function waitForRawPeers (hub: RealtimeNode, raws: RawNode[], members: RealtimeNode[]): Promise<void> {
    await waitFor('the hub to see the raw nodes subscribed', () => {
      const subs = hub.libp2p.services.pubsub.getSubscribers(topic).map(String)
      return raws.every((raw) => subs.includes(raw.peerId.toString()))
    })
    await waitForMesh(members, topic)
    await waitFor('the raw nodes to see the hub subscribed', () => raws.every((raw) =>
      raw.services.pubsub.getSubscribers(topic).some((p) => p.equals(hub.libp2p.peerId))))
  }

  it('delivers 0 to 128 000 bytes exactly, over two hops, never to the sender', async () => {
    const channels = nodes.map((n) => join(n))
    const received = channels.map(record)
    await waitForMesh(nodes, topic)
    const sizes = [0, 1, 100, 16_384, 65_537, MAX_MESSAGE_SIZE]
    const payloads = sizes.map((size) => new Uint8Array(randomBytes(size)))
    for (const payload of payloads) channels[0]?.send(payload)
    await waitFor('all sizes at b and c', () => received[1]?.length === sizes.length && received[2]?.length === sizes.length)
    assert.deepEqual(received[1], payloads)
    assert.deepEqual(received[2], payloads)
    await sleep(200)
    assert.equal(received[0]?.length, 0, 'the sender must not receive its own data')
  })

  it('a burst of 200 arrives complete, once and in order at every peer', async () => {
    const channels = nodes.map((n) => join(n))
    const received = channels.map(record)
    await waitForMesh(nodes, topic)
    for (let i = 0; i < 200; i++) {
      channels[0]?.send(bytes(`a${i}`))
      channels[2]?.send(bytes(`c${i}`))
    }
    const expect = (prefix: string): string[] => Array.from({ length: 200 }, (_, i) => `${prefix}${i}`)
    await waitFor('400 at b, 200 at a and c', () =>
      received[1]?.length === 400 && received[0]?.length === 200 && received[2]?.length === 200, 20_000)
    await sleep(300)
    const got = received.map((list) => list.map(text))
    assert.deepEqual(got[0], expect('c'))
    assert.deepEqual(got[2], expect('a'))
    const atB = got[1] ?? []
    assert.deepEqual(atB.filter((t) => t.startsWith('a')), expect('a'))
    assert.deepEqual(atB.filter((t) => t.startsWith('c')), expect('c'))
    assert.equal(atB.length, 400, 'no duplicates')
  })

  it('a different secret, chat or app receives nothing', async () => {
    const [a, b, c] = nodes
    assert.ok(a && b && c)
    // every outsider is a node directly connected to the sender's neighbours
    const outsiders = await startNodes(3)
    try {
      for (const o of outsiders) { await connect(o, a); await connect(o, b) }
      const sender = join(a)
      const member = join(c)
      const memberGot = record(member)
      join(b)
      const others = [
        join(outsiders[0], identity(randomBytes(32))),
        join(outsiders[1], identity(secret, 'other chat')),
        join(outsiders[2], identity(secret, 'chat', 'other app'))
      ]
      const otherGot = others.map(record)
      await waitForMesh(nodes, topic)
      for (let i = 0; i < 20; i++) sender.send(bytes(`secret ${i}`))
      await waitFor('member got all', () => memberGot.length === 20)
      await sleep(1_000)
      assert.deepEqual(otherGot.map((list) => list.length), [0, 0, 0])
      for (const o of outsiders) assert.equal(o.stats().delivered, 0)
    } finally {
      await stopAll(outsiders)
    }
  })

  it('a peer that knows the topic but not the key cannot inject, is not forwarded and loses score', async () => {
    const [a, b, c] = nodes
    assert.ok(a && b && c)
    // attacker — b — (c, and a raw listener that accepts anything on the topic)
    const attacker = await startRawNode()
    const listener = await startRawNode()
    try {
      await attacker.dial(b.libp2p.getMultiaddrs()[0] ?? assert.fail())
      await listener.dial(b.libp2p.getMultiaddrs()[0] ?? assert.fail())
      attacker.services.pubsub.subscribe(topic)
      const heardByListener: Uint8Array[] = []
      listener.services.pubsub.addEventListener('message', (evt) => { if (evt.detail.topic === topic) heardByListener.push(evt.detail.data) })
      listener.services.pubsub.subscribe(topic)
      const relay = join(b)
      const member = join(c)
      const memberGot = record(member)
      await waitForRawPeers(b, [attacker, listener], [b, c])
      const before = b.stats()
      // forged frames: right shape, wrong key; and one sealed under another app's key
      const wrongKey = deriveChannel(identity(secret, 'chat', 'other app')).key
      const forged = [
        randomBytes(200).fill(1, 0, 1),
        sealFrame(wrongKey, topic, randomBytes(24), {
          kind: FrameKind.Data, senderId: randomBytes(16), counter: 0, timestamp: Date.now(), payload: bytes('forged')
        }),
        randomBytes(5000).fill(1, 0, 1)
      ]
      for (const frame of forged) await attacker.services.pubsub.publish(topic, frame)
      await waitFor('b rejected three frames', () => b.stats().dropped.auth - before.dropped.auth === 3)
      // control: an honest frame from b reaches both c and the raw listener
      relay.send(bytes('honest'))
      await waitFor('honest frame at c and at the listener', () => memberGot.length === 1 && heardByListener.length === 1)
      assert.deepEqual(memberGot.map(text), ['honest'])
      assert.equal(heardByListener.length, 1, 'forged frames must not be forwarded')
      assert.equal(c.stats().dropped.auth, 0, 'c never saw the forged frames')
      // gossipsub caches scores for up to a heartbeat
      const score = (): number => internals(b.libp2p.services.pubsub).getScore(attacker.peerId.toString())
      await waitFor("the attacker's score at b to fall below zero", () => score() < 0, 3_000)
      assert.ok(score() < -20, `three invalid frames cost -5 × 3² (decaying), got ${score()}`)
    } finally {
      await Promise.all([attacker.stop(), listener.stop()])
    }
  })

  it('bad frames from the network are dropped and counted; the node keeps working', async () => {
    const [a, b] = nodes
    assert.ok(a && b)
    // Two attackers, so that neither is graylisted (its RPCs then ignored)
    // before every kind of bad frame has been seen.
    const attackers = await Promise.all([startRawNode(), startRawNode()])
    try {
      for (const attacker of attackers) {
        await attacker.dial(b.libp2p.getMultiaddrs()[0] ?? assert.fail())
        attacker.services.pubsub.subscribe(topic)
      }
      const sender = join(a)
      const receiver = join(b)
      const got = record(receiver)
      await waitForRawPeers(b, attackers, [a, b])
      const before = b.stats()
      const oversize = new Uint8Array(MAX_FRAME_SIZE + 1000)
      oversize[0] = 1
      const [first, second] = attackers
      for (const frame of [new Uint8Array(), new Uint8Array([1]), new Uint8Array(30).fill(1)]) {
        await first.services.pubsub.publish(topic, frame)
      }
      for (const frame of [new Uint8Array(100).fill(2), oversize]) await second.services.pubsub.publish(topic, frame)
      await waitFor('five drops', () => {
        const d = b.stats().dropped
        return d.truncated - before.dropped.truncated === 3 && d.version - before.dropped.version === 1 &&
          d.oversize - before.dropped.oversize === 1
      })
      sender.send(bytes('still alive'))
      await waitFor('valid data after garbage', () => got.length === 1)
      assert.deepEqual(got.map(text), ['still alive'])
    } finally {
      await stopAll(attackers)
    }
  })
})

describe('replayed frames', () => {
  it('are not delivered again, immediately or after the seen cache expired', async () => {
    const secret = randomBytes(32)
    const { topic } = deriveChannel(identity(secret))
    // b forgets message ids after 1 s, so only rtmesh's own replay window stands
    const [a] = await startNodes(1)
    const [b] = await startNodes(1, { gossipsub: { seenTTL: 1_000 } })
    const attacker = await startRawNode()
    assert.ok(a && b)
    try {
      await connect(a, b)
      await attacker.dial(b.libp2p.getMultiaddrs()[0] ?? assert.fail())
      const captured: Uint8Array[] = []
      attacker.services.pubsub.addEventListener('message', (evt) => { if (evt.detail.topic === topic) captured.push(evt.detail.data) })
      attacker.services.pubsub.subscribe(topic)
      const sender = a.webxdc(identity(secret)).joinRealtimeChannel()
      const receiver = b.webxdc(identity(secret)).joinRealtimeChannel()
      const got = record(receiver)
      await waitForMesh([a, b], topic)
      await waitFor('b sees the attacker', () => b.libp2p.services.pubsub.getSubscribers(topic).map(String).includes(attacker.peerId.toString()))
      sender.send(bytes('once'))
      sender.send(bytes('twice'))
      await waitFor('both at b and captured', () => got.length === 2 && captured.length === 2)
      const frame = captured[0]
      assert.ok(frame)
      await attacker.services.pubsub.publish(topic, frame)
      await sleep(300)
      assert.equal(got.length, 2, 'immediate replay delivered')
      // Replay until b's seen cache (1 s TTL, pruned at heartbeats) has let
      // go of the frame's id and rtmesh's own replay window refuses it.
      const before = b.stats().dropped.replay
      await waitFor('a replay to reach rtmesh\'s window', async () => {
        if (b.stats().dropped.replay !== before) return true
        await attacker.services.pubsub.publish(topic, frame)
        return false
      }, 15_000, 500)
      await sleep(200)
      assert.deepEqual(got.map(text), ['once', 'twice'])
      sender.leave()
      receiver.leave()
    } finally {
      await Promise.all([a.stop(), b.stop(), attacker.stop()])
    }
  })
})

describe('twenty nodes', () => {
  it('every message reaches all 19 others over a mesh of direct connections', async () => {
    const count = 20
    const nodes = await startNodes(count)
    try {
      // a ring plus chords: connected, each node with 4 neighbours
      for (let i = 0; i < count; i++) {
        await connect(nodes[i] ?? assert.fail(), nodes[(i + 1) % count] ?? assert.fail())
        await connect(nodes[i] ?? assert.fail(), nodes[(i + 7) % count] ?? assert.fail())
      }
      const secret = randomBytes(32)
      const { topic } = deriveChannel(identity(secret))
      const channels = nodes.map((n) => n.webxdc(identity(secret)).joinRealtimeChannel())
      const received = channels.map(record)
      await waitForMesh(nodes, topic, 20_000)
      channels.forEach((channel, i) => { channel.send(bytes(`from ${i}`)) })
      await waitFor('19 messages at every node', () => received.every((list) => list.length === count - 1), 20_000)
      await sleep(500)
      received.forEach((list, i) => {
        const expected = Array.from({ length: count }, (_, j) => `from ${j}`).filter((_, j) => j !== i)
        assert.deepEqual(list.map(text).sort(), expected.sort(), `node ${i}`)
      })
      for (const channel of channels) channel.leave()
    } finally {
      await stopAll(nodes)
    }
  })
})

describe('ephemeral delivery', () => {
  /**
   * a — x, a — late, x — late. `late` takes no part in any mesh (degree 0),
   * so besides a's flood publish only IHAVE gossip can reach it: exactly the
   * path that could hand it data sent before it joined.
   */
  async function lateJoiner (forwarderGossip: { mcacheGossip?: number }): Promise<string[]> {
    const secret = randomBytes(32)
    const { topic } = deriveChannel(identity(secret))
    // member discovery off: its frames would set late's baseline past the old data
    const [a, x] = await startNodes(2, { gossipsub: forwarderGossip, directPeersPerChannel: 0 })
    const [late] = await startNodes(1, { gossipsub: { D: 0, Dlo: 0, Dhi: 0, Dout: 0, Dscore: 0 }, directPeersPerChannel: 0 })
    assert.ok(a && x && late)
    try {
      await connect(a, x)
      await connect(a, late)
      await connect(x, late)
      const sender = a.webxdc(identity(secret)).joinRealtimeChannel()
      const forwarder = x.webxdc(identity(secret)).joinRealtimeChannel()
      await waitForMesh([a, x], topic)
      sender.send(bytes('before late joined'))
      await sleep(100)
      const channel = late.webxdc(identity(secret)).joinRealtimeChannel()
      const got = record(channel)
      await waitFor('a and x to see the late subscriber', () => [a, x].every((n) =>
        n.libp2p.services.pubsub.getSubscribers(topic).map(String).includes(late.peerId)))
      await sleep(3_500) // longer than gossipsub's IHAVE history (3 heartbeats)
      sender.send(bytes('after late joined'))
      await waitFor('the new message', () => got.some((data) => text(data) === 'after late joined'))
      await sleep(500)
      for (const c of [sender, forwarder, channel]) c.leave()
      return got.map(text)
    } finally {
      await stopAll([a, x, late])
    }
  }

  it('data sent before a peer joined never reaches it, even through IHAVE/IWANT', async () => {
    assert.deepEqual(await lateJoiner({}), ['after late joined'])
  })

  it('(control) with gossip history on, the same scenario does leak old data', async () => {
    // Proves the scenario above exercises the gossip path: if rtmesh's
    // setting were lost, the assertion above would fail.
    assert.deepEqual(await lateJoiner({ mcacheGossip: 3 }), ['before late joined', 'after late joined'])
  })
})
