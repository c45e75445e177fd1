/**
 * A process whose WebRTC nodes have stopped exits by itself. Without the
 * release in `api/webrtc-release.ts`, node-datachannel's threads kept such
 * a process alive two runs out of three (a data channel libp2p left open).
 * Run under `scripts/sandbox.sh` (WebRTC needs the namespace's veth pair).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const SANDBOXED = process.env.RTMESH_SANDBOX === '1'
/** Time the child has to exit after printing `stopped`. */
const EXIT_WITHIN_MS = 10_000

describe('WebRTC nodes and process exit', { skip: !SANDBOXED && 'needs the network sandbox (root, `bash scripts/sandbox.sh …`) for WebRTC host candidates' }, () => {
  it('a process exits by itself once its directly linked WebRTC nodes have stopped', async (t) => {
    const script = fileURLToPath(new URL('fixtures/webrtc-exit.ts', import.meta.url))
    const child = spawn(process.execPath, ['--conditions=development', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    let stoppedAt: number | undefined
    const exited = new Promise<number | null>((resolve) => { child.once('exit', resolve) })
    const watchdog = setInterval(() => {
      if (stoppedAt === undefined && stdout.includes('stopped')) stoppedAt = Date.now()
      if (stoppedAt !== undefined && Date.now() - stoppedAt > EXIT_WITHIN_MS) child.kill('SIGKILL')
    }, 50)
    const code = await exited
    clearInterval(watchdog)
    assert.ok(stdout.includes('stopped'), `the nodes did not get to stop: ${stderr}`)
    assert.equal(code, 0, `the process did not exit within ${EXIT_WITHIN_MS} ms of stopping its nodes`)
    t.diagnostic(`exited ${Date.now() - (stoppedAt ?? Date.now())} ms after its nodes stopped`)
  })
})
