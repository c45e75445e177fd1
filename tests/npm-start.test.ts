/**
 * `npm start` (the README's command) passes SIGTERM and SIGINT on to the
 * relay: signalling the top `npm` process stops the relay and frees its
 * ports. Runs the real chain (npm → sh → scripts/run.sh → relay) on free
 * loopback ports; `RTMESH_START_PREBUILT=1` skips the install and build
 * steps, which come before the relay starts and would rewrite `dist/` under
 * tests running next to this one.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, readlink } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { freePort, waitFor } from '@rtmesh/testkit'

const ROOT = new URL('..', import.meta.url).pathname
const READY_MS = 60_000
/**
 * The relay stops within its shutdown budget (SHUTDOWN_TIMEOUT_MS, 5 s) of
 * the signal, then exits; three times that leaves room for a machine busy
 * with the rest of the suite.
 */
const STOP_MS = 15_000

/** PATH without the workspace's `node_modules/.bin` directories that `pnpm run` prepends. */
function userPath (): string {
  return (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':')
}

/** Whether something accepts connections on 127.0.0.1:port. */
async function listening (port: number): Promise<boolean> {
  const server = createServer()
  return await new Promise<boolean>((resolve) => {
    server.once('error', () => { resolve(true) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(false) }) })
  })
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The relay's pid: the process listening on `port`, found through /proc. */
async function pidListeningOn (port: number): Promise<number | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  const table = await readFile('/proc/net/tcp', 'utf8')
  const inodes = new Set(table.split('\n').slice(1).map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) === true && f[3] === '0A').map((f) => f[9]))
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try { fds = await readdir(`/proc/${entry}/fd`) } catch { continue }
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '')
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
      if (inode !== undefined && inodes.has(inode)) return Number(entry)
    }
  }
  return undefined
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the npm process stops the relay and frees its ports`, async () => {
      const ports = { port: await freePort(), 'tcp-port': await freePort(), 'admin-port': await freePort(), 'demo-port': await freePort() }
      const keyDir = await mkdtemp(join(tmpdir(), 'rtmesh-start-'))
      const flags = Object.entries(ports).flatMap(([flag, port]) => [`--${flag}`, String(port)])
      const npm = spawn('npm', ['start', '--', ...flags, '--key-file', join(keyDir, 'relay.key'), '--log-level', 'warn'], {
        cwd: ROOT,
        // as a user runs it: pnpm's PATH (this suite runs under `pnpm run`) puts a
        // `node` shell shim first, which npm's `#!/usr/bin/env node` would run
        // under an `sh` that does not pass signals on; a shell has the machine's node
        env: { ...process.env, PATH: userPath(), RTMESH_START_PREBUILT: '1' },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let output = ''
      npm.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
      npm.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
      const exited = new Promise<void>((resolve) => { npm.once('exit', () => { resolve() }) })
      let relayPid: number | undefined
      try {
        await waitFor('the relay to print "Press Ctrl-C"', () => output.includes('Press Ctrl-C') || npm.exitCode !== null, READY_MS, 50)
        assert.ok(output.includes('Press Ctrl-C'), `npm start exited early: ${output}`)
        relayPid = await pidListeningOn(ports.port)
        assert.ok(relayPid !== undefined, 'a process listens on --port')
        assert.ok(npm.pid !== undefined && npm.kill(signal))
        const started = Date.now()
        await waitFor(`ports free and relay ${relayPid} gone after ${signal}`, async () => {
          if (relayPid !== undefined && alive(relayPid)) return false
          for (const port of Object.values(ports)) if (await listening(port)) return false
          return true
        }, STOP_MS, 50)
        await waitFor('npm to exit', () => npm.exitCode !== null || npm.signalCode !== null, STOP_MS, 50)
        assert.ok(Date.now() - started < STOP_MS)
      } finally {
        if (relayPid !== undefined && alive(relayPid)) process.kill(relayPid, 'SIGKILL')
        if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL')
        await exited
      }
    })
  }
})
