/**
 * The example in `src/index.ts` (the package's documented entry) runs as
 * written and prints what the reader is told to expect.
 */
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { runDocExample } from '@rtmesh/testkit'

describe('documented example', () => {
  it('two local peers exchange a message and stop', async () => {
    const run = await runDocExample(fileURLToPath(new URL('..', import.meta.url)))
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout.trim(), 'hello')
  })
})
