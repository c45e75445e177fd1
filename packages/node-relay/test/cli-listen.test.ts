/**
 * The rtmesh-relay command when a port it should listen on is taken: one
 * line naming the flag (and what to do), exit code 2, nothing left running.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { freePort, holdPort, runRelay, spawnRelay } from '@rtmesh/testkit'

function assertOneLine (result: { code: number | null, stdout: string, stderr: string }, what: string, mentions: string[]): void {
  assert.equal(result.code, 2, `${what}: exit code (stderr: ${result.stderr})`)
  assert.equal(result.stdout, '', `${what}: nothing on stdout`)
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `${what}: one line, got ${result.stderr}`)
  for (const text of mentions) assert.ok(lines[0]?.includes(text), `${what}: "${lines[0] ?? ''}" should name ${text}`)
}

describe('rtmesh-relay with a port in use', () => {
  it('names --port, --tcp-port, --admin-port or --demo-port in one line and exits 2', async () => {
    const held = await holdPort()
    try {
      const busy = String(held.port)
      const cases: Array<{ args: string[], mentions: string[] }> = [
        { args: ['--port', busy, '--tcp-port', '0', '--no-admin'], mentions: ['--port', `127.0.0.1:${busy}`, 'in use'] },
        { args: ['--port', '0', '--tcp-port', busy, '--no-admin'], mentions: ['--tcp-port', `127.0.0.1:${busy}`, '--no-tcp'] },
        { args: ['--port', '0', '--admin-port', busy], mentions: ['--admin-port', `127.0.0.1:${busy}`, '--no-admin'] },
        { args: ['--port', '0', '--no-admin', '--demo', '--demo-port', busy], mentions: ['--demo-port', `127.0.0.1:${busy}`] }
      ]
      for (const { args, mentions } of cases) {
        const result = await runRelay(['--host', '127.0.0.1', ...args])
        assertOneLine(result, `rtmesh-relay ${args.join(' ')}`, mentions)
      }
    } finally {
      await held.close()
    }
  })

  it('a second relay on the admin port of a running one says --admin-port / --no-admin', async () => {
    const adminPort = String(await freePort())
    const first = await spawnRelay(['--port', '0', '--admin-port', adminPort])
    try {
      const second = await runRelay(['--host', '127.0.0.1', '--port', '0', '--admin-port', adminPort])
      assertOneLine(second, 'second relay', ['--admin-port', `127.0.0.1:${adminPort}`, '--no-admin'])
      assert.equal((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status, 200, 'the first relay still serves')
    } finally {
      await first.kill()
    }
  })
})
