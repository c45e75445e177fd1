/**
 * What an idle client costs a relay: libp2p's per-connection and per-stream
 * loggers are one shared silent logger, a refused reservation's hop stream
 * is closed rather than held for the connection's lifetime, and the CLI runs
 * V8 for size. Each test checks that the setting reaches libp2p or V8; the
 * memory figures are in the sources' comments.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { pino } from 'pino'
import { startRawNode, waitFor } from '@rtmesh/testkit'
import type { RawNode } from '@rtmesh/testkit'
import { createRelay } from '../src/relay.ts'
import type { Relay } from '../src/relay.ts'
import type { RelayOptions } from '../src/options.ts'
import { SILENT_COMPONENT_LOGGER, SILENT_LOGGER, libp2pLogger } from '../src/quiet-logger.ts'
import { setsHeapFlags } from '../src/cli/v8-heap.ts'

const HOP = '/libp2p/circuit/relay/0.2.0/hop'
/** circuit relay v2 `Status` values (circuit-relay-v2's pb/index.proto). */
const STATUS_OK = 100
const STATUS_RESERVATION_REFUSED = 200
const STATUS_PERMISSION_DENIED = 202

async function startRelay (options: RelayOptions = {}): Promise<{ relay: Relay, tcp: Multiaddr }> {
  const relay = await createRelay({ host: '127.0.0.1', port: 0, admin: false, logger: pino({ level: 'silent' }), ...options })
  const tcp = relay.multiaddrs.find((ma) => !ma.includes('/ws'))
  assert.ok(tcp !== undefined)
  return { relay, tcp: multiaddr(tcp) }
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

/** Sends a circuit relay v2 RESERVE, reads the status and closes this end, as libp2p's client does. */
async function reserve (client: RawNode, relay: Relay, addr: Multiaddr): Promise<{ status: number, stream: Stream }> {
  await client.dial(addr)
  const stream = await client.dialProtocol(multiaddr(relay.multiaddrs[0] ?? ''), HOP, { signal: AbortSignal.timeout(5_000) })
  stream.send(Uint8Array.from([2, 0x08, 0x00])) // length 2: type (field 1) = RESERVE (0)
  let received = new Uint8Array(0)
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    received = Uint8Array.from([...received, ...bytes])
    const status = hopStatus(received)
    if (status !== undefined) {
      await stream.close()
      return { status, stream }
    }
  }
  throw new Error('the relay closed the hop stream without a status')
}

/** The relay's hop streams with `client`, whatever their state. */
function hopStreams (relay: Relay, client: RawNode): Stream[] {
  return relay.libp2p.getConnections(client.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === HOP)
}

describe('idle clients', () => {
  it('gives libp2p one silent logger unless DEBUG asks for its logs', async (t) => {
    assert.equal(libp2pLogger(undefined), SILENT_COMPONENT_LOGGER)
    assert.equal(libp2pLogger(' '), SILENT_COMPONENT_LOGGER)
    assert.equal(libp2pLogger('libp2p:*'), undefined, 'DEBUG set: libp2p makes its own loggers')
    const scoped = SILENT_COMPONENT_LOGGER.forComponent('libp2p:yamux').newScope('stream')
    assert.equal(scoped, SILENT_LOGGER)
    assert.equal(scoped.enabled, false)
    scoped('nothing %s', 'printed')
    scoped.error('nor this')
    scoped.trace('nor this')

    if (process.env.DEBUG !== undefined && process.env.DEBUG.trim() !== '') {
      t.skip('DEBUG is set: the relay keeps libp2p\'s own loggers')
      return
    }
    const { relay, tcp } = await startRelay()
    const client = await startRawNode({ listen: false })
    try {
      assert.equal(relay.libp2p.logger, SILENT_COMPONENT_LOGGER)
      await client.dial(tcp)
      await waitFor('gossipsub streams to open', () => relay.libp2p.getConnections(client.peerId).some((c) => c.streams.length > 0), 5_000)
      const [connection] = relay.libp2p.getConnections(client.peerId)
      assert.ok(connection !== undefined)
      assert.equal(connection.log, SILENT_LOGGER, 'a connection makes no logger of its own')
      for (const stream of connection.streams) assert.equal(stream.log, SILENT_LOGGER, `the ${stream.protocol} stream makes no logger of its own`)
    } finally {
      await client.stop()
      await relay.stop()
    }
  })

  it('closes its end of a hop stream on which it refused a reservation', async () => {
    const { relay, tcp } = await startRelay({ maxReservationsPerIp: 1, maxReservations: 2 })
    const holder = await startRawNode({ listen: false, localAddress: '127.0.0.9' })
    const neighbour = await startRawNode({ listen: false, localAddress: '127.0.0.9' })
    const other = await startRawNode({ listen: false, localAddress: '127.0.0.10' })
    const late = await startRawNode({ listen: false, localAddress: '127.0.0.11' })
    try {
      const granted = await reserve(holder, relay, tcp)
      assert.equal(granted.status, STATUS_OK)
      const denied = await reserve(neighbour, relay, tcp)
      assert.equal(denied.status, STATUS_PERMISSION_DENIED, 'the address already holds its reservation')
      assert.equal((await reserve(other, relay, tcp)).status, STATUS_OK)
      const refused = await reserve(late, relay, tcp)
      assert.equal(refused.status, STATUS_RESERVATION_REFUSED, 'every slot is taken')

      for (const [client, name] of [[holder, 'granted'], [neighbour, 'denied'], [late, 'refused']] as const) {
        await waitFor(`the relay to close the ${name} reservation's hop stream`, () => hopStreams(relay, client).length === 0, 5_000)
        assert.equal(relay.libp2p.getConnections(client.peerId).length, 1, `the ${name} client stays connected`)
      }
      await waitFor('the clients to see the relay close its ends', () => [granted, denied, refused].every(({ stream }) => stream.status === 'closed'), 5_000)
    } finally {
      await Promise.all([holder.stop(), neighbour.stop(), other.stop(), late.stop()])
      await relay.stop()
    }
  })

  it('runs V8 for size unless the process chose its heap flags', async () => {
    assert.equal(setsHeapFlags([], undefined), false)
    assert.equal(setsHeapFlags(['--conditions=development', '--max-old-space-size=512'], '--enable-source-maps'), false, 'a heap limit is not a choice of speed over size')
    assert.equal(setsHeapFlags(['--no-optimize-for-size'], undefined), true)
    assert.equal(setsHeapFlags(['--optimize_for_size'], undefined), true)
    assert.equal(setsHeapFlags([], '--max-semi-space-size=16'), true)
    assert.equal(setsHeapFlags([], ' --enable-source-maps  --max_semi_space_size=8 '), true)
    assert.equal(setsHeapFlags(['--semi-space-growth-factor', '2'], undefined), true)

    // In a fresh process, since V8's flags are process-wide: the young
    // generation after a churn of short-lived objects around a few live ones,
    // as a relay's traffic makes. V8 doubles it up to tens of MiB by default.
    const heap = new URL('../src/cli/v8-heap.ts', import.meta.url).href
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8'
      import { optimizeHeapForSize } from ${JSON.stringify(heap)}
      const applied = process.argv[1] === 'tuned' ? optimizeHeapForSize([], undefined) : false
      const live = []
      for (let i = 0; i < 3e6; i++) { live.push({ i, b: [i] }); if (live.length > 2e5) live.splice(0, 1e5) }
      const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? -1
      console.log(JSON.stringify({ applied, young }))
    `
    const youngGeneration = async (mode: 'tuned' | 'default'): Promise<{ applied: boolean, young: number }> => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, mode], { env: { ...process.env, NODE_OPTIONS: '' } })
      return JSON.parse(stdout) as { applied: boolean, young: number }
    }
    const [tuned, untuned] = await Promise.all([youngGeneration('tuned'), youngGeneration('default')])
    const LIMIT = 16 * 1024 * 1024
    assert.equal(tuned.applied, true)
    assert.ok(untuned.young > LIMIT, `V8's default young generation grew to ${untuned.young} bytes (the check below needs it above ${LIMIT})`)
    assert.ok(tuned.young <= LIMIT / 2, `with --optimize-for-size the young generation stayed at ${tuned.young} bytes`)
  })
})
