/**
 * The example in `src/index.ts` (the package's documented entry) runs as
 * written: a relay starts on loopback, prints its identity and stops.
 */
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { runDocExample } from '@rtmesh/testkit'

describe('documented example', () => {
  it('starts a relay, prints its peer id and addresses, and stops', async () => {
    const run = await runDocExample(fileURLToPath(new URL('..', import.meta.url)))
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^12D3KooW\w+ \[.*'\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW\w+'/s)
  })
})
