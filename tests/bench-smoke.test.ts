/**
 * The benchmark's smoke run (`bench/run.ts --smoke`): every part of the
 * benchmark runs for a few seconds against real relay, hub and client
 * processes, so the benchmark cannot rot. It asserts that each part
 * produced its figures, never how fast anything was.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'

interface SmokeResults {
  smoke: boolean
  cases: Array<{ system: string, deliveries: number, relayCpuMicros: number, clientCpuMicros: number }>
  joins: Record<string, number[]>
  idle: Record<string, { clients: number, kibPerClient: number }>
  bundles: Record<string, number>
  targets: Array<{ target: string, measured: string, met: boolean }>
}

describe('benchmark smoke run', () => {
  it('runs every system and every measure and prints the tables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtmesh-bench-'))
    try {
      const out = join(dir, 'results.json')
      const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=development', 'bench/run.ts', '--smoke', `--out=${out}`],
        { cwd: new URL('.', import.meta.url).pathname, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 })
      const results = JSON.parse(await readFile(out, 'utf8')) as SmokeResults
      assert.equal(results.smoke, true)
      assert.deepEqual(results.cases.map((c) => c.system), ['ws-hub', 'rtmesh-relay', 'rtmesh-direct', 'gossipsub-naive'])
      // how much arrives in 1.5 s on a loaded machine is the benchmark's business; that the hub's
      // clients heard each other, and that each case measured CPU, is the smoke's
      assert.ok((results.cases[0]?.deliveries ?? 0) > 0, 'the ws hub delivered nothing')
      for (const c of results.cases) {
        assert.ok(c.relayCpuMicros >= 0, `${c.system} has no relay CPU figure`)
        assert.ok(c.clientCpuMicros > 0, `${c.system} has no client CPU figure`)
      }
      assert.ok(Array.isArray(results.joins['rtmesh-relay']))
      assert.ok((results.idle['rtmesh-relay']?.clients ?? 0) > 0 && (results.idle['ws-hub']?.clients ?? 0) > 0)
      assert.ok((results.bundles['rtmesh webxdc.js'] ?? 0) > 0)
      assert.ok(results.targets.some((t) => t.target.startsWith('relay memory per idle client')))
      assert.match(stdout, /\| rtmesh-relay \| 3 \| 100 B, 10\/s each \|/)
      assert.match(stdout, /\| target \| measured \| met \|/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
