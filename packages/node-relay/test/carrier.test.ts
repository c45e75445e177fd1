/**
 * A relay's state is bounded by configuration, not by what peers send: one
 * peer subscribing to thousands of channel topics.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { TOPIC_PREFIX } from '@rtmesh/core'
import { sleep, startRawNode } from '../../core/test/helpers.ts'
import { freePort, metricValue, spawnRelay } from './helpers.ts'

/** Heap in use, from /metrics, after the relay had a moment to collect garbage. */
async function heapUsed (port: number): Promise<number> {
  await sleep(1_000)
  return metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'rtmesh_relay_nodejs_heap_size_used_bytes')
}

async function gauge (port: number, name: string): Promise<number> {
  return metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name)
}

/** Polls `read` until `ok` holds (30 s at most). */
async function until (what: string, read: () => Promise<number>, ok: (value: number) => boolean): Promise<number> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`${what}: still ${value}`)
    await sleep(200)
  }
}

const MiB = 1024 * 1024

describe('bounded relay state', () => {
  it('one peer subscribing to 5 000 channel topics grows the relay by less than 20 MB, and it all goes when the peer leaves', async (t) => {
    const adminPort = await freePort()
    // small young generation: what /metrics reports as heap in use is then mostly live data
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort)], { NODE_OPTIONS: '--max-semi-space-size=1' })
    const raw = await startRawNode({}, false)
    try {
      await raw.dial(multiaddr(relay.tcp))
      const before = await heapUsed(adminPort)
      for (let i = 0; i < 5_000; i++) raw.services.pubsub.subscribe(TOPIC_PREFIX + randomBytes(32).toString('hex'))
      const carried = await until('the relay to carry the per-peer cap of channels', async () => await gauge(adminPort, 'rtmesh_relay_channels'), (v) => v >= 64)
      await until('the relay to refuse the rest', async () => await gauge(adminPort, 'rtmesh_relay_subscriptions_refused_total'), (v) => v > 0)
      const during = await heapUsed(adminPort)
      t.diagnostic(`heap before ${(before / MiB).toFixed(1)} MiB, with 5 000 subscriptions ${(during / MiB).toFixed(1)} MiB, channels carried ${carried}`)
      assert.equal(carried, 64)
      assert.ok(during - before < 20 * MiB, `the relay grew by ${((during - before) / MiB).toFixed(1)} MiB`)
      await raw.stop()
      await until('the relay to stop carrying the channels (10 s linger)', async () => await gauge(adminPort, 'rtmesh_relay_channels'), (v) => v === 0)
      const after = await heapUsed(adminPort)
      t.diagnostic(`heap after the peer left ${(after / MiB).toFixed(1)} MiB`)
      assert.ok(after - before < 20 * MiB, `the relay kept ${((after - before) / MiB).toFixed(1)} MiB`)
    } finally {
      await raw.stop()
      await relay.kill()
    }
  })
})
