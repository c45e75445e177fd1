/**
 * `rtmesh-relay --xdc`: the archive is read with bounds and checks, mistakes
 * get one line naming the flag and exit code 2, and the server gives the app
 * frame its sandbox and no network (CSP), the bridge as its webxdc.js, and
 * nothing outside the app.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeXdc, runRelay, spawnRelay } from '@rtmesh/testkit'
import type { RelayProcess } from '@rtmesh/testkit'
import { XdcFileError } from '../src/errors.ts'
import { readXdc } from '../src/servers/xdc-archive.ts'
import { APP_CSP } from '../src/servers/xdc.ts'

const APP = {
  'index.html': '<!doctype html><script src="webxdc.js"></script><script src="app.js"></script><p>hello</p>',
  'app.js': 'window.started = true',
  'manifest.toml': 'name = "Test \\"app\\""\n',
  'img/icon.png': new Uint8Array([137, 80, 78, 71])
}

describe('reading .xdc archives', () => {
  it('unpacks an app, names it from its manifest and derives its app id from its bytes', () => {
    const archive = makeXdc(APP)
    const app = readXdc(archive, 'test.xdc')
    assert.deepEqual([...app.files.keys()].sort(), ['app.js', 'img/icon.png', 'index.html', 'manifest.toml'])
    assert.equal(app.name, 'Test \\"app\\"')
    assert.equal(app.appId, readXdc(archive, 'other-name.xdc').appId, 'the same file gives the same app id')
    assert.notEqual(app.appId, readXdc(makeXdc({ ...APP, 'app.js': 'x' }), 'test.xdc').appId, 'another app (or version) another id')
  })

  it('refuses what is not an app, and skips entries that would leave the app', () => {
    assert.throws(() => readXdc(new TextEncoder().encode('not a zip'), 'bad.xdc'), XdcFileError)
    assert.throws(() => readXdc(makeXdc({ 'app.js': 'x' }), 'noindex.xdc'), /no index\.html/)
    const app = readXdc(makeXdc({ ...APP, '../evil.html': 'x', 'a/../../evil2.html': 'x', 'b//c.html': 'x' }), 'test.xdc')
    assert.equal([...app.files.keys()].some((p) => p.includes('evil') || p.includes('//')), false)
  })
})

describe('rtmesh-relay --xdc', () => {
  let dir: string
  let relay: RelayProcess
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtmesh-xdc-'))
    await writeFile(join(dir, 'app.xdc'), makeXdc(APP))
    await writeFile(join(dir, 'bad.xdc'), 'not a zip')
    relay = await spawnRelay(['--port', '0', '--no-admin', '--demo-port', '0', '--xdc', join(dir, 'app.xdc')])
  })
  after(async () => {
    await relay.kill()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers a missing or broken file with one line naming the flag and exit code 2', async () => {
    for (const file of [join(dir, 'missing.xdc'), join(dir, 'bad.xdc')]) {
      const run = await runRelay(['--port', '0', '--no-admin', '--demo-port', '0', '--xdc', file])
      assert.equal(run.code, 2)
      const lines = run.stderr.trim().split('\n')
      assert.equal(lines.length, 1, run.stderr)
      assert.match(lines[0] ?? '', /^rtmesh-relay: --xdc: /)
    }
  })

  it('prints the host page URL as xdcUrl and serves the page, the app under its policy and the bridge', async () => {
    const url = relay.xdcUrl
    assert.ok(url !== undefined, 'the JSON line carries xdcUrl')
    const page = await fetch(url)
    const html = await page.text()
    assert.match(html, /<iframe id="app" sandbox="allow-scripts[^"]*"/)
    assert.doesNotMatch(html, /allow-same-origin/)
    const index = await fetch(new URL('app/index.html', url))
    assert.equal(index.headers.get('content-security-policy'), APP_CSP)
    assert.match(APP_CSP, /connect-src 'self' data: blob:/)
    assert.equal(await index.text(), APP['index.html'])
    const bridge = await fetch(new URL('app/webxdc.js', url))
    assert.equal(bridge.status, 200)
    assert.equal(bridge.headers.get('content-security-policy'), APP_CSP)
    const icon = new Uint8Array(await (await fetch(new URL('app/img/icon.png', url))).arrayBuffer())
    assert.deepEqual(icon, APP['img/icon.png'])
    const meta = await (await fetch(new URL('xdc.json', url))).json() as { appId: string, name: string, ws: string[] }
    assert.match(meta.appId, /^xdc-[0-9a-f]{32}$/)
    assert.ok(meta.ws.length > 0)
    for (const outside of ['app/../package.json', 'app/%2e%2e/package.json', 'app/missing.js', 'package.json']) {
      assert.equal((await fetch(new URL(outside, url))).status, 404, outside)
    }
  })
})
