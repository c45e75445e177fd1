/**
 * A relay's state is bounded by configuration, not by what peers send: one
 * peer subscribing to thousands of channel topics.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { TOPIC_PREFIX } from '@rtmesh/core'
import { freePort, readMetric, sleep, spawnRelay, startRawNode, waitForValue } from '@rtmesh/testkit'

/** Heap in use, from /metrics, after the relay had a moment to collect garbage. */
async function heapUsed (port: number): Promise<number> {
  await sleep(1_000)
  return await readMetric(port, 'rtmesh_relay_nodejs_heap_size_used_bytes')
}

/** Polls the gauge `name` until `ok` holds (30 s at most); resolves with its value then. */
async function gaugeUntil (what: string, port: number, name: string, ok: (value: number) => boolean): Promise<number> {
  return await waitForValue(what, async () => await readMetric(port, name), ok, 30_000, 200)
}

const MiB = 1024 * 1024

describe('bounded relay state', () => {
  it('one peer subscribing to 5 000 channel topics grows the relay by less than 20 MB, and it all goes when the peer leaves', async (t) => {
    const adminPort = await freePort()
    // small young generation: what /metrics reports as heap in use is then mostly live data
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort)], { NODE_OPTIONS: '--max-semi-space-size=1' })
    const raw = await startRawNode({ listen: false })
    try {
      await raw.dial(multiaddr(relay.tcp))
      const before = await heapUsed(adminPort)
      for (let i = 0; i < 5_000; i++) raw.services.pubsub.subscribe(TOPIC_PREFIX + randomBytes(32).toString('hex'))
      const carried = await gaugeUntil('the relay to carry the per-peer cap of channels', adminPort, 'rtmesh_relay_channels', (v) => v >= 64)
      await gaugeUntil('the relay to refuse the rest', adminPort, 'rtmesh_relay_subscriptions_refused_total', (v) => v > 0)
      const during = await heapUsed(adminPort)
      t.diagnostic(`heap before ${(before / MiB).toFixed(1)} MiB, with 5 000 subscriptions ${(during / MiB).toFixed(1)} MiB, channels carried ${carried}`)
      assert.equal(carried, 64)
      assert.ok(during - before < 20 * MiB, `the relay grew by ${((during - before) / MiB).toFixed(1)} MiB`)
      await raw.stop()
      await gaugeUntil('the relay to stop carrying the channels (10 s linger)', adminPort, 'rtmesh_relay_channels', (v) => v === 0)
      const after = await heapUsed(adminPort)
      t.diagnostic(`heap after the peer left ${(after / MiB).toFixed(1)} MiB`)
      assert.ok(after - before < 20 * MiB, `the relay kept ${((after - before) / MiB).toFixed(1)} MiB`)
    } finally {
      await raw.stop()
      await relay.kill()
    }
  })
})
