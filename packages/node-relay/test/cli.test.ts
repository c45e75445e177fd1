/**
 * The rtmesh-relay command: bad input, help, admin endpoints, shutdown.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { freePort, metricValue, runRelay, scrapeMetrics, spawnRelay } from '@rtmesh/testkit'

describe('rtmesh-relay command line', () => {
  it('answers bad input with one line naming the flag and exit code 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtmesh-cli-'))
    const garbageKey = join(dir, 'garbage.key')
    await writeFile(garbageKey, 'not a key')
    const cases: Array<{ args: string[], env?: Record<string, string>, mentions: string }> = [
      { args: ['--bogus'], mentions: '--bogus' },
      { args: ['--port', 'abc'], mentions: '--port' },
      { args: ['--port', '70000'], mentions: '--port' },
      { args: ['--host', 'not-an-ip'], mentions: '--host' },
      { args: ['--peer', '/not/a/multiaddr'], mentions: '--peer' },
      { args: ['--log-level', 'loud'], mentions: '--log-level' },
      { args: ['--max-connections', '0'], mentions: '--max-connections' },
      { args: ['--tls-key', garbageKey], mentions: '--tls-cert' },
      { args: ['--tls-cert', join(dir, 'missing.pem'), '--tls-key', join(dir, 'missing.pem')], mentions: '--tls-cert' },
      { args: ['--key-file', garbageKey], mentions: '--key-file' },
      { args: ['--key-file', dir], mentions: '--key-file' },
      { args: [], env: { RTMESH_PORT: 'x' }, mentions: '--port' },
      { args: ['positional'], mentions: 'positional' }
    ]
    for (const { args, env, mentions } of cases) {
      const { code, stdout, stderr } = await runRelay(['--no-admin', ...args], env)
      const what = `rtmesh-relay ${args.join(' ')}`
      assert.equal(code, 2, `${what}: exit code`)
      assert.equal(stdout, '', `${what}: nothing on stdout`)
      const lines = stderr.trim().split('\n')
      assert.equal(lines.length, 1, `${what}: one line, got ${stderr}`)
      assert.ok(lines[0]?.includes(mentions), `${what}: "${stderr.trim()}" should name ${mentions}`)
    }
  })

  it('prints --help and --version', async () => {
    const help = await runRelay(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /--key-file/)
    assert.match(help.stdout, /RTMESH_PORT/)
    const version = await runRelay(['--version'])
    assert.equal(version.code, 0)
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  })

  it('serves /healthz and /metrics, creates its key file 0600, and exits 0 promptly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtmesh-cli-'))
    const keyFile = join(dir, 'keys', 'relay.key')
    const adminPort = await freePort()
    const relay = await spawnRelay(['--port', '0', '--admin-port', String(adminPort), '--key-file', keyFile])
    try {
      assert.equal((await stat(keyFile)).mode & 0o777, 0o600)
      assert.ok((await readFile(keyFile)).byteLength > 32)
      const health = await fetch(`http://127.0.0.1:${adminPort}/healthz`)
      assert.equal(health.status, 200)
      const body = await health.json() as { status: string, peerId: string }
      assert.equal(body.status, 'ok')
      assert.equal(body.peerId, relay.peerId)
      const metrics = await scrapeMetrics(adminPort)
      for (const name of ['rtmesh_relay_connections', 'rtmesh_relay_reservations', 'rtmesh_relay_channels',
        'rtmesh_relay_messages_forwarded_total', 'rtmesh_relay_bytes_forwarded_total']) {
        assert.ok(metrics.includes(`${name} `), `metric ${name}`)
      }
      assert.equal(metricValue(metrics, 'rtmesh_relay_connections'), 0)
      assert.equal((await fetch(`http://127.0.0.1:${adminPort}/nope`)).status, 404)
      const started = Date.now()
      const code = await relay.kill('SIGTERM')
      assert.equal(code, 0)
      assert.ok(Date.now() - started < 5_000, `stopped in ${Date.now() - started} ms`)
    } finally {
      await relay.kill()
    }
  })
})
