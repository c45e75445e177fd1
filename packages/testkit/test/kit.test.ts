/**
 * The test kit's own contract: waiting resolves when the condition holds and
 * fails with a named error saying what it waited for; sleeping ends early on
 * abort; metrics sum over matching label sets; ports can be held and freed.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { closeServer, freePort, holdPort, metricValue, sleep, waitFor, waitForValue, WaitTimeoutError } from '@rtmesh/testkit'

describe('waiting', () => {
  it('waitFor resolves once a sync or async condition holds', async () => {
    let polls = 0
    await waitFor('three polls', () => ++polls === 3, 1_000, 1)
    assert.equal(polls, 3)
    await waitFor('an async condition', async () => await Promise.resolve(true))
  })

  it('fails with a WaitTimeoutError naming what it waited for, and the last value', async () => {
    await assert.rejects(waitFor('never', () => false, 30, 5), (err: unknown) =>
      err instanceof WaitTimeoutError && err.name === 'WaitTimeoutError' && err.message === 'timed out after 30 ms waiting for never')
    await assert.rejects(waitForValue('a big number', () => 7, (n) => n > 10, 30, 5), (err: unknown) =>
      err instanceof WaitTimeoutError && err.last === 7 && err.message.endsWith('; last value 7'))
    assert.equal(await waitForValue('a number', () => 12, (n) => n > 10), 12)
  })

  it('sleep ends early when its signal aborts', async () => {
    const started = Date.now()
    await sleep(10_000, AbortSignal.timeout(20))
    assert.ok(Date.now() - started < 5_000)
    const aborted = new AbortController()
    aborted.abort()
    await sleep(10_000, aborted.signal)
  })
})

describe('metrics', () => {
  it('sums a metric over the label sets that match, ignoring comments and other names', () => {
    const text = [
      '# HELP rtmesh_relay_rejected_total frames rejected',
      'rtmesh_relay_rejected_total{reason="rate"} 3',
      'rtmesh_relay_rejected_total{reason="size"} 4',
      'rtmesh_relay_rejected_totals 100',
      'rtmesh_relay_connections 2'
    ].join('\n')
    assert.equal(metricValue(text, 'rtmesh_relay_rejected_total'), 7)
    assert.equal(metricValue(text, 'rtmesh_relay_rejected_total', 'reason="rate"'), 3)
    assert.equal(metricValue(text, 'rtmesh_relay_connections'), 2)
    assert.equal(metricValue(text, 'missing'), 0)
  })
})

describe('ports', () => {
  it('a held port refuses another listener until closed; a free port can be listened on', async () => {
    const held = await holdPort()
    const other = createServer()
    await assert.rejects(new Promise<void>((resolve, reject) => {
      other.once('error', reject)
      other.listen(held.port, '127.0.0.1', resolve)
    }), { code: 'EADDRINUSE' })
    await held.close()
    const port = await freePort()
    const server = createServer()
    await new Promise<void>((resolve) => { server.listen(port, '127.0.0.1', resolve) })
    await closeServer(server)
  })
})
