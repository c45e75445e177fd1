/**
 * The RPC guard against a real relay: a libp2p node that opens gossipsub
 * streams to it and writes garbage or oversized RPCs is struck, banned and
 * refused, while honest members on the same relay keep exchanging frames.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { RPC } from '@libp2p/gossipsub/message'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createRealtimeNode, MAX_MESSAGE_SIZE } from '@rtmesh/core'
import type { RealtimeListener, RealtimeNode } from '@rtmesh/core'
import { freePort, metricValue, record, scrapeMetrics, sendUntilHeard, startLibp2p, stopAll, waitFor } from '@rtmesh/testkit'
import { pino } from 'pino'
import * as varint from 'uint8-varint'
import { createRelay } from '../src/relay.ts'
import type { Relay } from '../src/relay.ts'
import { RpcSplitter, decodesAsRpc } from '../src/defences/rpc-frames.ts'
import { MAX_RPC_BYTES, STRIKE_LIMIT, STRIKE_WINDOW_MS, StrikeTable } from '../src/defences/rpc-guard.ts'

const MESHSUB = '/meshsub/1.1.0'

/** Length-prefixes `body` as gossipsub frames RPCs. */
function framed (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
  varint.encode(body.byteLength, out)
  out.set(body, varint.encodingLength(body.byteLength))
  return out
}

/** Bytes gossipsub's codec refuses: field 1 with wire type 7, which does not exist. */
const GARBAGE = Uint8Array.of(0x0f, 0xde, 0xad, 0xbe, 0xef)

interface Harness {
  relay: Relay
  relayAddr: Multiaddr
  metrics: () => Promise<string>
  logs: string[]
  members: RealtimeNode[]
  channels: RealtimeListener[]
  received: Uint8Array[][]
  stop: () => Promise<void>
}

/** A relay with an admin port and two members in one channel that can only talk through it. */
async function start (): Promise<Harness> {
  const logs: string[] = []
  const relay = await createRelay({
    host: '127.0.0.1',
    port: 0,
    admin: { host: '127.0.0.1', port: await freePort() },
    logger: pino({ level: 'warn' }, { write: (line: string) => { logs.push(line) } })
  })
  const relayAddr = multiaddr(relay.multiaddrs.find((ma) => !ma.includes('/ws')) ?? '')
  const adminUrl = relay.adminUrl ?? ''
  const members: RealtimeNode[] = []
  for (let i = 0; i < 2; i++) members.push(await createRealtimeNode({ bootstrap: [relayAddr.toString()], directPeersPerChannel: 0 }))
  const identity = { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
  const channels = members.map((m) => m.webxdc(identity).joinRealtimeChannel())
  const received = channels.map(record)
  return {
    relay,
    relayAddr,
    metrics: async () => await scrapeMetrics(adminUrl),
    logs,
    members,
    channels,
    received,
    stop: async () => {
      for (const channel of channels) channel.leave()
      await stopAll(members)
      await relay.stop()
    }
  }
}

/** Sends from member 0 until member 1 got a frame with `label`, through the relay (they are not connected). */
async function deliversThroughRelay (h: Harness, label: string): Promise<void> {
  const [from] = h.channels
  const got = h.received[1]
  assert.ok(from !== undefined && got !== undefined)
  await sendUntilHeard(from, got, label)
  const [a, b] = h.members
  assert.ok(a !== undefined && b !== undefined)
  assert.equal(a.libp2p.getConnections(b.libp2p.peerId).length, 0, 'members must only meet through the relay')
}

/** A bare libp2p node: no gossipsub of its own, it writes to the relay's gossipsub by hand. */
async function startAttacker (): Promise<Libp2p> {
  return await startLibp2p({ services: { identify: identify() } })
}

async function expectBanned (h: Harness, attacker: Libp2p): Promise<void> {
  await waitFor('the attacker to be disconnected', () =>
    h.relay.libp2p.getConnections(attacker.peerId).length === 0 && attacker.getConnections(h.relay.libp2p.peerId).length === 0)
  // refused while banned: a new connection does not get a gossipsub stream open
  const reconnected = await attacker.dialProtocol(h.relayAddr, MESHSUB, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false)
  assert.equal(reconnected, false, 'a banned peer must not reconnect')
  assert.equal(h.relay.libp2p.getConnections(attacker.peerId).length, 0)
}

describe('strike table', () => {
  it('counts strikes within the window, forgets them after it, and stays bounded', () => {
    const table = new StrikeTable(3, STRIKE_WINDOW_MS, 100)
    assert.equal(table.strike('a', 0), 1)
    assert.equal(table.strike('a', 1_000), 2)
    assert.equal(table.strike('a', STRIKE_WINDOW_MS + 1), 1, 'a new window')
    assert.equal(table.strike('a', STRIKE_WINDOW_MS + 2), 2)
    assert.equal(table.strike('a', STRIKE_WINDOW_MS + 3), 3)
    assert.equal(table.size, 0, 'at the limit the record goes (the ban takes over)')
    for (let i = 0; i < 1_000; i++) table.strike(`peer-${i}`, i)
    assert.equal(table.size, 100)
    table.strike('late', 10 * STRIKE_WINDOW_MS)
    assert.equal(table.size, 1, 'expired records are dropped')
  })
})

describe('rpc splitter', () => {
  it('finds RPCs across any chunking, and stops at an oversize or unreadable length prefix', () => {
    const stream = Uint8Array.from([...framed(RPC.encode({ subscriptions: [{ subscribe: true, topic: 't' }], messages: [] })), ...framed(GARBAGE), ...framed(new Uint8Array())])
    for (let size = 1; size <= stream.byteLength; size++) {
      const splitter = new RpcSplitter(MAX_RPC_BYTES)
      const verdicts = []
      for (let at = 0; at < stream.byteLength; at += size) verdicts.push(...splitter.push(stream.subarray(at, at + size)))
      assert.deepEqual(verdicts, ['ok', 'malformed', 'ok'], `chunks of ${size}`)
    }
    const oversize = new RpcSplitter(100)
    assert.deepEqual(oversize.push(Uint8Array.from([...varint.encode(101), ...framed(GARBAGE)])), ['oversize'])
    assert.equal(oversize.stopped, true)
    assert.deepEqual(oversize.push(framed(GARBAGE)), [], 'nothing more is judged')
    assert.deepEqual(new RpcSplitter(MAX_RPC_BYTES).push(new Uint8Array(9).fill(0xff)), ['framing'])
    assert.deepEqual(new RpcSplitter(MAX_RPC_BYTES).push(new Uint8Array(8).fill(0xff)), [], 'an 8-byte prefix may still end')
  })
})

describe('rpc guard', () => {
  it('bans a peer that sends undecodable RPCs; members on the relay keep their channel', async () => {
    assert.equal(decodesAsRpc(GARBAGE), false)
    const h = await start()
    const attacker = await startAttacker()
    try {
      await deliversThroughRelay(h, 'before')
      const stream = await attacker.dialProtocol(h.relayAddr, MESHSUB)
      // one stream, STRIKE_LIMIT garbage RPCs after a valid empty one
      const rpcs = [framed(RPC.encode({ subscriptions: [], messages: [] })), ...Array.from({ length: STRIKE_LIMIT }, () => framed(GARBAGE))]
      stream.send(Uint8Array.from(rpcs.flatMap((r) => [...r])))
      await expectBanned(h, attacker)

      const metrics = await h.metrics()
      assert.equal(metricValue(metrics, 'rtmesh_relay_rpcs_refused_total', 'reason="malformed"'), STRIKE_LIMIT)
      assert.equal(metricValue(metrics, 'rtmesh_relay_peers_disconnected_total', 'reason="rpc"'), 1)
      const warned = h.logs.filter((line) => line.includes(attacker.peerId.toString()) && line.includes('"reason":"malformed"'))
      assert.ok(warned.length >= 1, `a warn line names the peer and the reason: ${h.logs.join('')}`)

      await deliversThroughRelay(h, 'after')
    } finally {
      await attacker.stop()
      await h.stop()
    }
  })

  it('bans a peer that sends oversized RPCs, one per stream; full-size frames of members pass', async () => {
    const h = await start()
    const attacker = await startAttacker()
    try {
      await deliversThroughRelay(h, 'before')
      // a member's largest frame is well under the cap and costs nothing
      const [from] = h.channels
      const got = h.received[1]
      assert.ok(from !== undefined && got !== undefined)
      const big = new Uint8Array(MAX_MESSAGE_SIZE).fill(7)
      from.send(big)
      await waitFor('the full-size frame', () => got.some((d) => d.byteLength === MAX_MESSAGE_SIZE))

      // gossipsub stops reading a stream at an oversize prefix, so each try takes a new stream
      const oversize = new Uint8Array([...varint.encode(MAX_RPC_BYTES + 1), ...new Uint8Array(1_024)])
      for (let i = 0; i < STRIKE_LIMIT; i++) {
        const stream = await attacker.dialProtocol(h.relayAddr, MESHSUB)
        stream.send(oversize)
        await waitFor(`oversize RPC ${i + 1} to be refused`, () => stream.status !== 'open' || attacker.getConnections(h.relay.libp2p.peerId).length === 0)
      }
      await expectBanned(h, attacker)

      const metrics = await h.metrics()
      assert.equal(metricValue(metrics, 'rtmesh_relay_rpcs_refused_total', 'reason="oversize"'), STRIKE_LIMIT)
      assert.equal(metricValue(metrics, 'rtmesh_relay_rpcs_refused_total', 'reason="malformed"'), 0)
      assert.equal(metricValue(metrics, 'rtmesh_relay_peers_disconnected_total', 'reason="rpc"'), 1)

      await deliversThroughRelay(h, 'after')
    } finally {
      await attacker.stop()
      await h.stop()
    }
  })
})
