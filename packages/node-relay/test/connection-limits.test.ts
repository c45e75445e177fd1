/**
 * Connection-level defences of a relay, attacked from loopback addresses
 * (127.0.0.2 … are distinct addresses to the relay): silent sockets, bans
 * escaped with a fresh peer id, reservations hoarded by one address.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { deriveChannel } from '@rtmesh/core'
import { pino } from 'pino'
import { createRelay } from '../src/relay.ts'
import type { Relay } from '../src/relay.ts'
import type { RelayOptions } from '../src/options.ts'
import { metricValue, scrapeMetrics, sleep, startRawNode, waitFor } from '@rtmesh/testkit'
import type { RawNode } from '@rtmesh/testkit'

const HOP = '/libp2p/circuit/relay/0.2.0/hop'
/** circuit relay v2 `Status` values (circuit-relay-v2's pb/index.proto). */
const STATUS_OK = 100
const STATUS_PERMISSION_DENIED = 202

async function startRelay (options: RelayOptions): Promise<{ relay: Relay, ws: Multiaddr, tcp: Multiaddr }> {
  const relay = await createRelay({ host: '127.0.0.1', port: 0, admin: { port: 0 }, logger: pino({ level: 'silent' }), ...options })
  const ws = relay.multiaddrs.find((ma) => ma.includes('/ws/'))
  const tcpAddr = relay.multiaddrs.find((ma) => !ma.includes('/ws'))
  assert.ok(ws !== undefined && tcpAddr !== undefined)
  return { relay, ws: multiaddr(ws), tcp: multiaddr(tcpAddr) }
}

async function metrics (relay: Relay): Promise<string> {
  return await scrapeMetrics(relay.adminUrl ?? '')
}

type Client = RawNode

/** A gossipsub node that does not listen, whose TCP dials leave from `localAddress` (WebSocket dials from 127.0.0.1). */
async function startClient (localAddress: string): Promise<Client> {
  return await startRawNode({ listen: false, localAddress })
}

/** Raw TCP sockets that connect and then say nothing; counts how many the far end closed. */
function silentSockets (count: number, localAddress: string, ports: number[]): { sockets: Socket[], connected: () => number, closed: () => number } {
  let connected = 0
  let closed = 0
  const sockets = Array.from({ length: count }, (_, i) => {
    const socket = connect({ host: '127.0.0.1', port: ports[i % ports.length] ?? 0, localAddress })
    socket.once('connect', () => { connected++ })
    socket.on('error', () => {})
    socket.once('close', () => { closed++ })
    return socket
  })
  return { sockets, connected: () => connected, closed: () => closed }
}

function portOf (addr: Multiaddr): number {
  return Number(addr.getComponents().find((c) => c.name === 'tcp')?.value)
}

/** Dials until a connection is open or the deadline passes; resolves with the ms it took. */
async function connectWithin (client: Client, addr: Multiaddr, timeoutMs: number): Promise<number> {
  const start = Date.now()
  for (;;) {
    try {
      const connection = await client.dial(addr, { signal: AbortSignal.timeout(Math.max(100, start + timeoutMs - Date.now())) })
      if (connection.status === 'open') return Date.now() - start
    } catch {
      // refused or timed out: try again until the deadline
    }
    if (Date.now() - start > timeoutMs) throw new Error(`no connection within ${timeoutMs} ms`)
    await sleep(50)
  }
}

function readVarint (bytes: Uint8Array, offset: number): [number, number] {
  let value = 0
  let shift = 0
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const byte = bytes[i] ?? 0
    value += (byte & 0x7f) * 2 ** shift
    shift += 7
    if ((byte & 0x80) === 0) return [value, i + 1]
  }
  throw new Error('truncated varint')
}

/** The `status` (field 5) of a length-prefixed HopMessage, or undefined while `bytes` holds less than one message. */
function hopStatus (bytes: Uint8Array): number | undefined {
  if (bytes.length === 0) return undefined
  const [length, start] = readVarint(bytes, 0)
  if (bytes.length < start + length) return undefined
  let offset = start
  while (offset < start + length) {
    const [key, next] = readVarint(bytes, offset)
    offset = next
    if ((key & 7) === 0) {
      const [value, after] = readVarint(bytes, offset)
      offset = after
      if (key >> 3 === 5) return value
    } else if ((key & 7) === 2) {
      const [size, after] = readVarint(bytes, offset)
      offset = after + size
    } else {
      throw new Error(`unexpected wire type ${key & 7}`)
    }
  }
  throw new Error('HopMessage without a status')
}

/** Sends a circuit relay v2 RESERVE and resolves with the relay's status. */
async function reserve (client: Client, relay: Relay, addr: Multiaddr): Promise<number> {
  await client.dial(addr)
  const stream = await client.dialProtocol(multiaddr(relay.multiaddrs[0] ?? ''), HOP, { signal: AbortSignal.timeout(5_000) })
  stream.send(Uint8Array.from([2, 0x08, 0x00])) // length 2: type (field 1) = RESERVE (0)
  let received = new Uint8Array(0)
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    received = Uint8Array.from([...received, ...bytes])
    const status = hopStatus(received)
    if (status !== undefined) {
      await stream.close().catch(() => {})
      return status
    }
  }
  throw new Error('the relay closed the hop stream without a status')
}

describe('relay connection limits', () => {
  it('with 1 000 silent sockets from one address, an honest peer from another connects within 2 s; the silent ones are closed after the timeout', async (t) => {
    const timeoutMs = 2_000
    const { relay, ws, tcp: tcpAddr } = await startRelay({ upgradeTimeoutMs: timeoutMs })
    const honest = await startClient('127.0.0.2')
    const browserLike = await startClient('127.0.0.1') // dials over WebSockets
    const attack = silentSockets(1_000, '127.0.0.3', [portOf(tcpAddr), portOf(ws)])
    try {
      // every socket got an answer: accepted (then held or closed by the relay) or refused
      await waitFor('the 1 000 attacking sockets to connect', () => attack.connected() + attack.closed() >= 1_000, 10_000)
      const attackStarted = Date.now()
      const [ms, wsMs] = await Promise.all([connectWithin(honest, tcpAddr, 2_000), connectWithin(browserLike, ws, 2_000)])
      t.diagnostic(`honest peers connected in ${ms} ms (TCP) and ${wsMs} ms (WebSockets); ${1_000 - attack.closed()} silent sockets still open then`)
      assert.ok(ms < 2_000 && wsMs < 2_000)

      await waitFor('every silent socket to be closed', () => attack.closed() === 1_000, timeoutMs + 5_000)
      t.diagnostic(`all silent sockets closed ${Date.now() - attackStarted} ms after the honest peer started dialing`)
      const text = await metrics(relay)
      assert.ok(metricValue(text, 'rtmesh_relay_pending_closed_total', 'reason="timeout"') > 0, 'some were held until the timeout')
      assert.ok(metricValue(text, 'rtmesh_relay_pending_closed_total', 'reason="address_limit"') > 0, 'most were refused at once')
      assert.equal(metricValue(text, 'rtmesh_relay_pending_connections'), 0)
      // the honest connections outlived the upgrade timeout: only sockets never upgraded are closed
      assert.ok(honest.getConnections().some((c) => c.status === 'open'), 'the honest TCP connection is still open')
      assert.ok(browserLike.getConnections().some((c) => c.status === 'open'), 'the honest WebSocket connection is still open')
    } finally {
      for (const socket of attack.sockets) socket.destroy()
      await Promise.all([honest.stop(), browserLike.stop()])
      await relay.stop()
    }
  })

  it('a banned peer that comes back with a fresh peer id from the same address is refused', async () => {
    const { relay, tcp: tcpAddr } = await startRelay({ banMs: 30_000 })
    const offender = await startClient('127.0.0.4')
    const fresh = await startClient('127.0.0.4')
    const neighbour = await startClient('127.0.0.5')
    try {
      const { topic } = deriveChannel({ secret: randomBytes(32), chatId: 'chat', appId: 'app' })
      await offender.dial(tcpAddr)
      offender.services.pubsub.subscribe(topic)
      await waitFor('the relay to carry the channel', () =>
        offender.services.pubsub.getSubscribers(topic).some((p) => p.toString() === relay.peerId), 10_000)
      const oversize = new Uint8Array(200_000)
      oversize[0] = 1
      await offender.services.pubsub.publish(topic, oversize)
      await waitFor('the offender to be disconnected', () => offender.getConnections().length === 0, 10_000)

      await assert.rejects(fresh.dial(tcpAddr, { signal: AbortSignal.timeout(5_000) }), 'a fresh peer id from the banned address is refused')
      assert.equal(fresh.getConnections().length, 0)
      await neighbour.dial(tcpAddr) // another address is not banned
      const text = await metrics(relay)
      assert.equal(metricValue(text, 'rtmesh_relay_bans', 'kind="addr"'), 1)
      assert.equal(metricValue(text, 'rtmesh_relay_bans', 'kind="peer"'), 1)
    } finally {
      await Promise.all([offender.stop(), fresh.stop(), neighbour.stop()])
      await relay.stop()
    }
  })

  it('releases a reservation when its holder disconnects, and caps reservations per address', async () => {
    const { relay, tcp: tcpAddr } = await startRelay({ maxReservationsPerIp: 2 })
    const reservations = relay.libp2p.services.relay.reservations
    const holder = await startClient('127.0.0.6')
    const hoarders = await Promise.all(Array.from({ length: 4 }, async () => await startClient('127.0.0.7')))
    const other = await startClient('127.0.0.8')
    try {
      assert.equal(await reserve(holder, relay, tcpAddr), STATUS_OK)
      assert.ok(reservations.has(holder.peerId))
      await holder.stop()
      await waitFor('the reservation of a disconnected holder to be released', () => !reservations.has(holder.peerId), 5_000)

      const statuses: number[] = []
      for (const hoarder of hoarders) statuses.push(await reserve(hoarder, relay, tcpAddr))
      assert.deepEqual(statuses, [STATUS_OK, STATUS_OK, STATUS_PERMISSION_DENIED, STATUS_PERMISSION_DENIED])
      const [first] = hoarders
      assert.ok(first !== undefined)
      assert.equal(await reserve(first, relay, tcpAddr), STATUS_OK, 'a holder may refresh its reservation at the cap')
      assert.equal(await reserve(other, relay, tcpAddr), STATUS_OK, 'another address still gets one')
      assert.equal(reservations.size, 3)
    } finally {
      await Promise.all([holder.stop(), ...hoarders.map(async (h) => { await h.stop() }), other.stop()])
      await relay.stop()
    }
  })
})
