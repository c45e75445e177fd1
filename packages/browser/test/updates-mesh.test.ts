/**
 * Updates shared by real nodes on loopback: two instances exchange updates
 * (own ones heard too), a third opened later gets the earlier ones by sync
 * (a log too large for one message in several paced chunks), updates sent
 * before the node is up are kept and shared, and garbage on the updates
 * channel is dropped and counted.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, it } from 'node:test'
import type { RealtimeNode } from '@rtmesh/core'
import type { ReceivedStatusUpdate } from '@webxdc/types'
import { bytes, connect, startNodes, stopAll, waitFor } from '@rtmesh/testkit'
import { MeshUpdates, updatesChannelIdentity } from '../src/updates/mesh.ts'
import { encodeLog, encodeUpdate, newUpdateId } from '../src/updates/wire.ts'

type Update = ReceivedStatusUpdate<unknown>

interface Instance {
  updates: MeshUpdates
  got: Update[]
  errors: unknown[]
}

/** Every instance opened by the current test, stopped after it. */
const opened: Instance[] = []

/** An instance of the app on `node` (or a node still starting) with a listener recording what it hears. */
async function open (node: RealtimeNode | Promise<RealtimeNode>, identity: { secret: Uint8Array, chatId: string, appId: string }): Promise<Instance> {
  const errors: unknown[] = []
  const updates = new MeshUpdates(node, identity, { onError: (err) => { errors.push(err) } })
  const got: Update[] = []
  // the first use starts it
  await updates.listen(0, (u) => { got.push(u) }).ready
  const instance = { updates, got, errors }
  opened.push(instance)
  return instance
}

const payloads = (updates: Update[]): unknown[] => updates.map((u) => u.payload)
/** Payloads as short strings: `{ i: 3, filler }` as `#3`. */
const keys = (updates: Update[]): string[] => updates.map((u) => {
  const payload = u.payload
  return typeof payload === 'object' && payload !== null && 'i' in payload ? `#${String(payload.i)}` : String(payload)
})
const serials = (updates: Update[]): number[] => updates.map((u) => u.serial)

/** A node handed over later, as a page's node that is still starting. */
function later (node: RealtimeNode): { pending: Promise<RealtimeNode>, up: () => void } {
  let up = (): void => {}
  const pending = new Promise<RealtimeNode>((resolve) => { up = () => { resolve(node) } })
  return { pending, up }
}

function randomIdentity (): { secret: Uint8Array, chatId: string, appId: string } {
  return { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
}

/** Connects every node to every other. */
async function connectAll (nodes: RealtimeNode[]): Promise<void> {
  for (const [i, a] of nodes.entries()) {
    for (const b of nodes.slice(i + 1)) await connect(a, b)
  }
}

describe('updates over the mesh', () => {
  afterEach(() => {
    for (const instance of opened.splice(0)) instance.updates.stop()
  })

  it('two instances exchange updates; each hears its own too, in one serial order per instance', async () => {
    const identity = randomIdentity()
    const nodes = await startNodes(2)
    const [a, b] = nodes
    assert.ok(a && b)
    try {
      await connect(a, b)
      const alice = await open(a, identity)
      const bob = await open(b, identity)
      // the first updates may fall into a mesh still forming: the sync repairs that, here we just wait
      alice.updates.send({ payload: 'from alice', info: 'Alice did something' })
      await waitFor('bob to hear alice', () => payloads(bob.got).includes('from alice'), 20_000)
      bob.updates.send({ payload: 'from bob' })
      await waitFor('alice to hear bob', () => payloads(alice.got).includes('from bob'))
      for (const side of [alice, bob]) {
        assert.deepEqual(payloads(side.got), ['from alice', 'from bob'])
        assert.deepEqual(serials(side.got), [1, 2])
        assert.deepEqual(side.errors, [])
      }
      assert.equal(bob.got[0]?.info, 'Alice did something')
      assert.equal(bob.updates.stats().learned, 1)
      assert.equal(bob.updates.stats().garbage, 0)
      alice.updates.stop()
      bob.updates.stop()
      alice.updates.stop() // idempotent
    } finally {
      await stopAll(nodes)
    }
  })

  it('an instance opened later gets the earlier updates by sync, in several paced chunks; and the others get its updates', async (t) => {
    const identity = randomIdentity()
    const nodes = await startNodes(3)
    const [a, b, c] = nodes
    assert.ok(a && b && c)
    try {
      await connectAll(nodes)
      const alice = await open(a, identity)
      const bob = await open(b, identity)
      alice.updates.send({ payload: 'first' })
      await waitFor('bob to hear the first update', () => bob.got.length === 1, 20_000)
      // 1.5 MB: twelve answer chunks or more, beyond the answer burst (paced)
      const filler = 'x'.repeat(5_000)
      for (let i = 0; i < 300; i++) (i % 2 === 0 ? alice : bob).updates.send({ payload: { i, filler } })
      await waitFor('both to have all updates', () => alice.got.length === 301 && bob.got.length === 301, 20_000)
      const node = later(c)
      const carol = await open(node.pending, identity)
      carol.updates.send({ payload: 'carol before her node was up' })
      node.up()
      await waitFor('carol to get the earlier updates', () => carol.got.length === 302, 30_000)
      assert.deepEqual(keys(carol.got).sort(), [...keys(alice.got.slice(0, 301)), 'carol before her node was up'].sort(), 'every update once')
      assert.deepEqual(serials(carol.got), Array.from({ length: 302 }, (_, i) => i + 1))
      await waitFor('alice and bob to get carol\'s update', () => [alice, bob].every((s) => payloads(s.got).includes('carol before her node was up')))
      const stats = [alice, bob, carol].map((s) => s.updates.stats())
      const chunks = stats.reduce((n, s) => n + s.logChunks, 0)
      t.diagnostic(`log chunks sent (alice, bob, carol): ${stats.map((s) => s.logChunks).join(', ')}; duplicates received: ${stats.map((s) => s.duplicates).join(', ')}; sync requests: ${stats.map((s) => s.syncRequests).join(', ')}`)
      assert.ok(chunks >= 12, `${chunks} log chunks`)
      assert.ok(stats.every((s) => s.garbage === 0))
      assert.ok(stats.every((s) => s.updates === 302))
      for (const s of [alice, bob, carol]) s.updates.stop()
    } finally {
      await stopAll(nodes)
    }
  })

  it('keeps updates sent before the node is up and shares them once it is', async () => {
    const identity = randomIdentity()
    const nodes = await startNodes(2)
    const [a, b] = nodes
    assert.ok(a && b)
    try {
      await connect(a, b)
      const node = later(a)
      const early = await open(node.pending, identity)
      early.updates.send({ payload: 'early 1' })
      early.updates.send({ payload: 'early 2' })
      await waitFor('the own listener to hear them', () => early.got.length === 2)
      const other = await open(b, identity)
      node.up()
      await waitFor('the other instance to get the early updates', () => other.got.length === 2, 20_000)
      assert.deepEqual(payloads(other.got), ['early 1', 'early 2'])
      early.updates.stop()
      other.updates.stop()
    } finally {
      await stopAll(nodes)
    }
  })

  it('without member discovery, the sync schedule alone brings a late instance the log, and its early updates reach the others', async () => {
    const identity = randomIdentity()
    // no presence frames: nobody notices members arrive, only the sync schedule works
    const nodes = await startNodes(2, { directPeersPerChannel: 0 })
    const [a, b] = nodes
    assert.ok(a && b)
    try {
      await connect(a, b)
      const alice = await open(a, identity)
      alice.updates.send({ payload: 'alice, alone' })
      await waitFor('alice to join and ask the empty channel', () => alice.updates.stats().syncRequests >= 1)
      const node = later(b)
      const bob = await open(node.pending, identity)
      bob.updates.send({ payload: 'bob, before his channel' })
      node.up()
      await waitFor('bob to get alice\'s update', () => payloads(bob.got).includes('alice, alone'), 20_000)
      await waitFor('alice to get bob\'s update', () => payloads(alice.got).includes('bob, before his channel'), 20_000)
      assert.deepEqual([alice.updates.stats().garbage, bob.updates.stats().garbage], [0, 0])
    } finally {
      await stopAll(nodes)
    }
  })

  it('drops and counts garbage on the updates channel', async () => {
    const identity = randomIdentity()
    const nodes = await startNodes(2)
    const [a, b] = nodes
    assert.ok(a && b)
    try {
      await connect(a, b)
      const victim = await open(a, identity)
      // a member of the chat (it has the secret) writing anything on the updates channel
      const attacker = b.webxdc(updatesChannelIdentity(identity)).joinRealtimeChannel()
      const id = newUpdateId()
      const garbage = [
        new Uint8Array([0xc3, 0x28]), bytes('{"v":1,"type":"update"'), bytes('42'), bytes('{"v":1,"type":"sync","from":"me"}'),
        bytes(`{"v":1,"type":"update","id":"${id}","update":{"payload":"${'x'.repeat(100_000)}"}}`),
        bytes(`{"v":1,"type":"update","id":"short","update":{"payload":1}}`),
        bytes(`{"v":1,"type":"log","updates":[{"id":"${id}","update":{"payload":1}},{"id":"${id}","update":{"summary":1}}]}`),
        new Uint8Array(1_000)
      ]
      const valid = encodeUpdate(newUpdateId(), { json: '{"payload":"valid"}', size: 19 })
      // until the channel carries: the valid update is heard
      await waitFor('the valid update', () => {
        for (const data of garbage) attacker.send(data)
        attacker.send(valid)
        return victim.got.length > 0
      }, 20_000, 200)
      await waitFor('the last batch to arrive', () => victim.updates.stats().garbage % garbage.length === 0)
      const stats = victim.updates.stats()
      assert.ok(stats.garbage >= garbage.length && stats.garbage % garbage.length === 0, `garbage ${stats.garbage}`)
      assert.deepEqual(payloads(victim.got), ['valid'], 'only the valid update reached the app')
      assert.equal(stats.updates, 1)
      // a known update again is a duplicate, not garbage
      attacker.send(encodeLog([{ id, json: '{"payload":"ok"}' }]))
      attacker.send(encodeLog([{ id, json: '{"payload":"ok"}' }]))
      await waitFor('the log answers', () => victim.updates.stats().duplicates >= 1)
      assert.deepEqual(payloads(victim.got), ['valid', 'ok'])
      assert.deepEqual(victim.errors, [])
      attacker.leave()
      victim.updates.stop()
    } finally {
      await stopAll(nodes)
    }
  })
})
