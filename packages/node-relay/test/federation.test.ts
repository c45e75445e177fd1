/**
 * Being a relay is configuration, not a claim: attacks by ordinary libp2p
 * nodes that say they are relays, and the vouching that lets configured
 * relays federate.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createRealtimeNode, deriveChannel, RELAY_PROTOCOL } from '@rtmesh/core'
import { pino } from 'pino'
import { encodeAnnouncement } from '../src/federation/announcement.ts'
import { FEDERATION_TOPIC } from '../src/constants.ts'
import { createRelay } from '../src/relay.ts'
import {
  bytes, closeServer, freePort, internals, joinOnRelay, listenOnLoopback, LOOPBACK_TCP, randomIdentity, readMetric, spawnRelay, startRawNode,
  stopMembers, text, waitFor, waitForValue
} from '@rtmesh/testkit'
import type { RawNode, RelayMembers } from '@rtmesh/testkit'

const quiet = pino({ level: 'silent' })

/** Polls the relay's /metrics until `name{labels}` reaches `min` (10 s at most). */
async function metricAtLeast (port: number, name: string, labels: string, min: number): Promise<void> {
  await waitForValue(`${name}{${labels}} to reach ${min}`, async () => await readMetric(port, name, labels), (value) => value >= min, 10_000, 100)
}

/** A raw node that lists the relay protocol in identify: what anyone can do. */
async function selfDeclaredRelay (): Promise<RawNode> {
  const raw = await startRawNode({ listen: false })
  await raw.handle(RELAY_PROTOCOL, (stream) => { void stream.close() })
  return raw
}

/** A TCP listener that counts connections: where an announcement points. */
async function trap (): Promise<{ port: number, connections: () => number, close: () => Promise<void> }> {
  let count = 0
  const sockets = new Set<Socket>()
  const server = createServer((socket) => { count++; sockets.add(socket); socket.destroy() })
  return {
    port: await listenOnLoopback(server),
    connections: () => count,
    close: async () => { await closeServer(server) }
  }
}

describe('relay federation and trust', () => {
  it('survives announcements that are not multiaddrs, garbage and forgeries, and keeps carrying channels', async () => {
    const adminPort = await freePort()
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort), '--allow-private-federation'])
    const raw = await selfDeclaredRelay()
    let members: RelayMembers<2> | undefined
    try {
      await raw.dial(multiaddr(relay.tcp))
      raw.services.pubsub.subscribe(FEDERATION_TOPIC)
      await waitFor('the raw node to see the relay on the federation topic', () =>
        raw.services.pubsub.getSubscribers(FEDERATION_TOPIC).some((p) => p.toString() === relay.peerId))
      // what crashed the relay before: an address that is not a multiaddr
      await raw.services.pubsub.publish(FEDERATION_TOPIC, bytes('{"p":"x","a":["x/p2p/x"]}'))
      for (let i = 0; i < 20; i++) await raw.services.pubsub.publish(FEDERATION_TOPIC, randomBytes(10 + i * 50))
      await metricAtLeast(adminPort, 'rtmesh_relay_announcements_rejected_total', '', 21)
      assert.equal(relay.child.exitCode, null, `the relay exited: ${relay.stderr()}`)
      // and it still carries channels
      members = await joinOnRelay(relay, 2)
      const { channels: [channelA], received: [, gotB] } = members
      await waitFor('a message through the relay after the attack', () => {
        if (gotB.length === 0) channelA.send(bytes('after'))
        return gotB.length > 0
      })
      assert.equal(text(gotB[0] ?? new Uint8Array()), 'after')
    } finally {
      await raw.stop()
      await stopMembers(members)
      await relay.kill()
    }
  })

  it('does not dial addresses announced by a self-declared relay, and gives it a client budget', async () => {
    const adminPort = await freePort()
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort), '--allow-private-federation', '--messages-per-second', '1', '--message-burst', '100'])
    const raw = await selfDeclaredRelay()
    const target = await trap()
    try {
      await raw.dial(multiaddr(relay.tcp))
      raw.services.pubsub.subscribe(FEDERATION_TOPIC)
      await waitFor('the raw node to see the relay on the federation topic', () =>
        raw.services.pubsub.getSubscribers(FEDERATION_TOPIC).some((p) => p.toString() === relay.peerId))
      // a correctly signed announcement, by a key nobody configured
      const key = await generateKeyPair('Ed25519')
      const id = peerIdFromPrivateKey(key)
      const data = await encodeAnnouncement(key, id, [multiaddr(`/ip4/127.0.0.1/tcp/${target.port}/p2p/${id.toString()}`)], [], Date.now())
      await raw.services.pubsub.publish(FEDERATION_TOPIC, data)
      await metricAtLeast(adminPort, 'rtmesh_relay_announcements_rejected_total', 'reason="untrusted"', 1)
      assert.equal(target.connections(), 0, 'the relay dialled an address a stranger announced')

      // frames: a client's burst (400), not a relay's (8 000)
      const topic = deriveChannel({ secret: randomBytes(32), chatId: 'c', appId: 'a' }).topic
      raw.services.pubsub.subscribe(topic)
      await waitFor('the relay to carry the channel', () =>
        raw.services.pubsub.getSubscribers(topic).some((p) => p.toString() === relay.peerId))
      await Promise.all(Array.from({ length: 1_000 }, async () => {
        const frame = randomBytes(100)
        frame[0] = 1
        await raw.services.pubsub.publish(topic, frame).catch(() => undefined)
      }))
      // a client's budget is a burst of 100 plus 1/s, and 200 refused frames make a flooder;
      // a relay's budget (20x: a burst of 2 000) would have taken all 1 000
      await metricAtLeast(adminPort, 'rtmesh_relay_peers_disconnected_total', 'reason="flood"', 1)
      await waitFor('the flooder to be disconnected', () => raw.getConnections().length === 0)
    } finally {
      await raw.stop()
      await target.close()
      await relay.kill()
    }
  })

  it('members penalize forged frames from a self-declared relay they did not configure', async () => {
    const member = await createRealtimeNode({ listen: [LOOPBACK_TCP] })
    const raw = await selfDeclaredRelay()
    try {
      const identity = randomIdentity()
      const { topic } = deriveChannel(identity)
      member.webxdc(identity).joinRealtimeChannel()
      const addr = member.libp2p.getMultiaddrs()[0]
      assert.ok(addr)
      await raw.dial(addr)
      raw.services.pubsub.subscribe(topic)
      await waitFor('the raw node to see the member subscribed', () =>
        raw.services.pubsub.getSubscribers(topic).some((p) => p.equals(member.libp2p.peerId)))
      for (let i = 0; i < 10; i++) {
        const frame = randomBytes(200)
        frame[0] = 1
        await raw.services.pubsub.publish(topic, frame)
      }
      await waitFor('the member to drop the forged frames', () => member.stats().dropped.auth >= 10)
      await waitFor('the member to score the forger below zero', () =>
        internals(member.libp2p.services.pubsub).getScore(raw.peerId.toString()) < 0)
    } finally {
      await raw.stop()
      await member.stop()
    }
  })

  it('a relay trusts the relays its configured peer vouches for, and dials them', async () => {
    const [keyA, keyB, keyC] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
    const idA = peerIdFromPrivateKey(keyA).toString()
    const idC = peerIdFromPrivateKey(keyC).toString()
    const common = { host: '127.0.0.1', port: 0, admin: false as const, logger: quiet, allowPrivateFederation: true }
    // B trusts A and C (they connect to it); A and C were configured with B only
    const b = await createRelay({ ...common, privateKey: keyB, trustedRelays: [idA, idC] })
    const bTcp = b.multiaddrs.find((ma) => !ma.includes('/ws'))
    assert.ok(bTcp)
    const a = await createRelay({ ...common, privateKey: keyA, peers: [bTcp] })
    const c = await createRelay({ ...common, privateKey: keyC, peers: [bTcp] })
    try {
      await waitFor('A and C to connect directly, through B\'s vouching', () =>
        a.libp2p.getConnections(peerIdFromPrivateKey(keyC)).length > 0, 40_000) // C announces every 15 s
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()])
    }
  })
})
