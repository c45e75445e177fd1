/**
 * The relay in a network: real relay processes, real @rtmesh/core nodes.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import {
  bytes, freePort, internals, joinOnRelay, joinOnRelays, LOOPBACK_TCP, readMetric, sendUntilHeard, sleep, spawnRelay, startRawNode, stopAll,
  stopMembers, text, waitFor
} from '@rtmesh/testkit'
import type { RawNode, RelayMembers } from '@rtmesh/testkit'

describe('relay network', () => {
  it('two nodes bootstrapped only from the CLI relay exchange messages within a second of joining', async (t) => {
    const relay = await spawnRelay(['--port', '0', '--no-admin'])
    let members: RelayMembers<2> | undefined
    try {
      members = await joinOnRelay(relay, 2)
      const { channels: [channelA, channelB], received: [gotA, gotB], joinedAt } = members
      await sendUntilHeard(channelA, gotB, 'a to b')
      const ms = Date.now() - joinedAt
      t.diagnostic(`first message arrived ${ms} ms after joining`)
      assert.ok(ms < 1_000, `first message arrived ${ms} ms after joining`)
      channelB.send(bytes('b to a'))
      await waitFor('b to a', () => gotA.length === 1)
      assert.deepEqual(gotA.map(text), ['b to a'])
    } finally {
      await stopMembers(members)
      await relay.kill()
    }
  })

  it('peers on two federated relays exchange messages', async () => {
    const first = await spawnRelay(['--port', '0', '--no-admin'])
    const second = await spawnRelay(['--port', '0', '--no-admin', '--peer', first.tcp])
    let members: RelayMembers<2> | undefined
    try {
      members = await joinOnRelays([first, second])
      const { nodes: [x, y], channels: [channelX, channelY], received: [gotX, gotY] } = members
      await sendUntilHeard(channelX, gotY, 'x')
      await sendUntilHeard(channelY, gotX, 'y')
      // the nodes listen nowhere: every frame went relay to relay
      assert.equal(x.libp2p.getConnections(y.libp2p.peerId).length, 0)
    } finally {
      await stopMembers(members)
      await Promise.all([first.kill(), second.kill()])
    }
  })

  it('peers that met through the relay connect directly and keep talking after it is killed', async () => {
    const relay = await spawnRelay(['--port', '0', '--no-admin'])
    let members: RelayMembers<2> | undefined
    try {
      members = await joinOnRelay(relay, 2, { listen: [LOOPBACK_TCP] })
      const { nodes: [a, b], topic, channels: [channelA], received: [, gotB] } = members
      await waitFor('a direct connection', () => a.libp2p.getConnections(b.libp2p.peerId).length > 0, 10_000)
      await waitFor('a to see b on the topic directly', () =>
        a.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(b.libp2p.peerId)))
      await relay.kill('SIGKILL')
      await waitFor('the relay connection to drop', () => a.libp2p.getConnections().every((c) => c.remotePeer.toString() !== relay.peerId))
      for (let i = 0; i < 10; i++) channelA.send(bytes(`after relay ${i}`))
      await waitFor('10 messages without the relay', () => gotB.length === 10)
      assert.deepEqual(gotB.map(text), Array.from({ length: 10 }, (_, i) => `after relay ${i}`))
    } finally {
      await stopMembers(members)
      await relay.kill()
    }
  })

  it('after a restart with the same key file, clients reconnect and messages flow without rejoining', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rtmesh-relay-'))
    const keyFile = join(dir, 'relay.key')
    const port = await freePort()
    const args = ['--port', String(port), '--tcp-port', '0', '--no-admin', '--key-file', keyFile]
    let relay = await spawnRelay(args)
    let members: RelayMembers<2> | undefined
    try {
      members = await joinOnRelay(relay, 2)
      const { channels: [channelA], received: [, gotB] } = members
      await sendUntilHeard(channelA, gotB, 'before restart')
      const firstPeerId = relay.peerId
      await relay.kill('SIGKILL')
      relay = await spawnRelay(args)
      assert.equal(relay.peerId, firstPeerId, 'same identity after restart')
      gotB.length = 0
      const restarted = Date.now()
      await sendUntilHeard(channelA, gotB, 'after restart', 100, 20_000)
      const ms = Date.now() - restarted
      assert.ok(gotB.every((data) => text(data).startsWith('after restart')))
      t.diagnostic(`messages flowed again ${ms} ms after the restart`)
      assert.ok(ms < 15_000, `messages flowed again ${ms} ms after the restart`)
    } finally {
      await stopMembers(members)
      await relay.kill()
    }
  })

  it('throttles a flooding member while two others keep their rate; an oversize frame gets its sender dropped', async () => {
    const adminPort = await freePort()
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort), '--messages-per-second', '50', '--message-burst', '100'])
    let members: RelayMembers<3> | undefined
    // from its own address: the flooder's ban covers 127.0.0.1, where it and the honest members are
    const raw = await startRawNode({ localAddress: '127.0.0.2' })
    try {
      // two honest members and a flooder
      members = await joinOnRelay(relay, 3)
      const { topic, channels: [c1, c2, cf], received: [got1, got2] } = members
      await sendUntilHeard(c1, got2, 'warm-up')
      await sendUntilHeard(c2, got1, 'warm-up')
      got1.length = 0
      got2.length = 0
      // 3 s of honest traffic at 20/s each, while the flooder sends 6 000 frames as fast as it can
      const flood = (async () => {
        for (let i = 0; i < 6_000; i++) {
          cf.send(bytes(`flood ${i}`))
          if (i % 200 === 0) await sleep(1)
        }
      })()
      for (let i = 0; i < 60; i++) {
        c1.send(bytes(`one ${i}`))
        c2.send(bytes(`two ${i}`))
        await sleep(50)
      }
      await flood
      await sleep(1_000)
      const honestAt2 = got2.map(text).filter((t) => t.startsWith('one '))
      const honestAt1 = got1.map(text).filter((t) => t.startsWith('two '))
      assert.equal(honestAt2.length, 60, 'every honest message from 1 reached 2')
      assert.equal(honestAt1.length, 60, 'every honest message from 2 reached 1')
      const floodAt1 = got1.length - honestAt1.length
      assert.ok(floodAt1 < 1_000, `only a throttled share of the flood got through (${floodAt1} of 6000)`)
      assert.ok(await readMetric(adminPort, 'rtmesh_relay_frames_rejected_total', 'reason="rate"') > 0)

      // a 200 KB frame on the channel topic: the sender is dropped and refused
      await raw.dial(multiaddr(relay.tcp))
      raw.services.pubsub.subscribe(topic)
      await waitFor('the raw node to see the relay carrying the channel', () =>
        raw.services.pubsub.getSubscribers(topic).some((p) => p.toString() === relay.peerId))
      const oversize = new Uint8Array(200_000)
      oversize[0] = 1
      await raw.services.pubsub.publish(topic, oversize)
      await waitFor('the oversize sender to be disconnected', () => raw.getConnections().length === 0)
      assert.equal(await readMetric(adminPort, 'rtmesh_relay_peers_disconnected_total', 'reason="oversize"'), 1)
      // a banned peer is refused: its dial fails, or the relay closes the connection at once
      await raw.dial(multiaddr(relay.tcp)).catch(() => undefined)
      await sleep(1_000)
      assert.equal(raw.getConnections().length, 0, 'a banned peer is refused')
    } finally {
      await raw.stop()
      await stopMembers(members)
      await relay.kill()
    }
  })

  it('accepts 200 client connections from one address', async () => {
    const adminPort = await freePort()
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort)])
    const clients: RawNode[] = []
    try {
      for (let batch = 0; batch < 10; batch++) {
        const started = await Promise.all(Array.from({ length: 20 }, async () => await startRawNode({ listen: false })))
        clients.push(...started)
        await Promise.all(started.map(async (client) => { await client.dial(multiaddr(relay.ws)) }))
      }
      await sleep(1_000)
      const open = clients.filter((client) => client.getConnections().some((c) => c.status === 'open')).length
      assert.equal(open, 200)
      assert.equal(await readMetric(adminPort, 'rtmesh_relay_connections'), 200)
    } finally {
      await stopAll(clients)
      await relay.kill()
    }
  })

  it('garbage injected through the relay is dropped by members without cutting them off the relay', async () => {
    const relay = await spawnRelay(['--port', '0', '--no-admin'])
    let members: RelayMembers<2> | undefined
    const raw = await startRawNode({ listen: false })
    try {
      members = await joinOnRelay(relay, 2)
      const { nodes: [, b], topic, channels: [channelA], received: [, gotB] } = members
      await sendUntilHeard(channelA, gotB, 'warm-up')
      await raw.dial(multiaddr(relay.ws))
      raw.services.pubsub.subscribe(topic)
      await waitFor('the raw node to see the relay carrying the channel', () =>
        raw.services.pubsub.getSubscribers(topic).some((p) => p.toString() === relay.peerId))
      // well-shaped frames the relay cannot tell from real ones
      for (let i = 0; i < 50; i++) {
        const frame = randomBytes(200)
        frame[0] = 1
        await raw.services.pubsub.publish(topic, frame)
      }
      await waitFor('b to drop the forged frames', () => b.stats().dropped.auth >= 50)
      await sleep(2_500) // past gossipsub's score cache (a heartbeat)
      gotB.length = 0
      channelA.send(bytes('still through the relay'))
      await waitFor('a message through the relay after the garbage', () => gotB.length === 1)
      const score = internals(b.libp2p.services.pubsub).getScore(relay.peerId)
      assert.ok(score >= 0, `the relay's score at b is ${score}`)
    } finally {
      await raw.stop()
      await stopMembers(members)
      await relay.kill()
    }
  })
})
