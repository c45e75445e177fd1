/**
 * Host mode in real Chromium: an unmodified webxdc app runs in a sandboxed
 * frame with no network of its own, and talks over the realtime channel its
 * host page provides (`rtmesh-relay --xdc`, and a host page with three apps
 * on one node). The frame's own attempts to reach the network all fail, and
 * a server it aims at sees nothing.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { Browser, Frame, Page } from 'playwright-core'
import { createRealtimeNode } from '@rtmesh/core'
import { bridgeFrame, frameBridge, MeshUpdates } from '@rtmesh/browser'
import { closeServer, listenOnLoopback, makeXdc, sleep, spawnRelay, waitForValue } from '@rtmesh/testkit'
import type { RelayProcess } from '@rtmesh/testkit'
import { launchChromium, SANDBOXED } from './lib/browser.ts'
import { serveMultiHost } from './lib/multi-host.ts'
import type { MultiHost } from './lib/multi-host.ts'

/** The fixture app: realtime chat lines, its errors, and its attempts at the network (`target` is a server the test watches). */
function fixtureApp (target: string): Record<string, string> {
  const wsTarget = target.replace('http://', 'ws://')
  return {
    'index.html': '<!doctype html><meta charset="utf-8"><title>fixture</title><script src="webxdc.js"></script><script src="app.js"></script><body><p>fixture app</p></body>',
    'manifest.toml': 'name = "Fixture"\n',
    'app.js': `
      window.received = []
      window.probes = {}
      window.updates = []
      const channel = window.webxdc.joinRealtimeChannel()
      channel.setListener((data) => { window.received.push(new TextDecoder().decode(data)) })
      window.say = (text) => { channel.send(new TextEncoder().encode(text)) }
      const name = (fn) => { try { fn(); return 'no error' } catch (e) { return e.name } }
      window.errors = {
        doubleJoin: name(() => window.webxdc.joinRealtimeChannel()),
        oversize: name(() => channel.send(new Uint8Array(128001))),
        notBytes: name(() => channel.send('text')),
        sessionWhileActive: String(window.webxdc.joinRealtimeSession(() => {}))
      }
      window.leaveAndRejoin = () => {
        channel.leave()
        const result = {
          sendAfterLeave: name(() => channel.send(new Uint8Array(1))),
          listenAfterLeave: name(() => channel.setListener(() => {}))
        }
        const again = window.webxdc.joinRealtimeChannel()
        again.setListener((data) => { window.received.push('again: ' + new TextDecoder().decode(data)) })
        window.say = (text) => { again.send(new TextEncoder().encode(text)) }
        return result
      }
      window.webxdc.setUpdateListener((u) => { window.updates.push(u.payload) }, 0).then(() => { window.probes.updateListener = 'ready' })
      const probe = (key, attempt) => {
        let p
        try { p = Promise.resolve(attempt()) } catch (e) { p = Promise.reject(e) }
        p.then(() => { window.probes[key] = 'succeeded' }, (e) => { window.probes[key] = 'failed: ' + (e && e.name || e) })
      }
      probe('fetch', () => fetch('${target}/fetch'))
      probe('websocket', () => new Promise((resolve, reject) => { const ws = new WebSocket('${wsTarget}/ws'); ws.onopen = resolve; ws.onerror = () => reject(new Error('error event')) }))
      probe('image', () => new Promise((resolve, reject) => { const img = new Image(); img.onload = resolve; img.onerror = () => reject(new Error('error event')); img.src = '${target}/image.png' }))
      probe('webrtc', () => { const pc = new RTCPeerConnection(); pc.createDataChannel('x'); return pc.createOffer() })
      window.addEventListener('message', (e) => { if (e.data && e.data.nested) window.probes.nestedWebrtc = e.data.nested })
      addEventListener('DOMContentLoaded', () => {
        const nested = document.createElement('iframe')
        nested.srcdoc = '<scr' + 'ipt>try { new RTCPeerConnection(); parent.postMessage({ nested: "succeeded" }, "*") } catch (e) { parent.postMessage({ nested: "failed: " + e.name }, "*") }</scr' + 'ipt>'
        document.body.append(nested)
      })
    `
  }
}

/** Counts every request and connection attempt that reaches it. */
async function watchedServer (): Promise<{ origin: string, hits: () => number, close: () => Promise<void> }> {
  let hits = 0
  const server: Server = createServer((_req, res) => { hits++; res.end('reached') })
  server.on('upgrade', (_req, socket) => { hits++; socket.destroy() })
  server.on('connection', () => { hits++ })
  const port = await listenOnLoopback(server)
  return { origin: `http://127.0.0.1:${port}`, hits: () => hits, close: async () => { server.closeAllConnections(); await closeServer(server) } }
}

/** The app frame of a host page, once its app script has run. */
async function appFrame (page: Page, selector = '#app'): Promise<Frame> {
  return await waitForValue(`the app frame ${selector}`, async () => {
    const handle = await page.$(selector)
    const frame = await handle?.contentFrame()
    if (frame === null || frame === undefined) return undefined
    const ready = await frame.evaluate(() => typeof (globalThis as { say?: unknown }).say === 'function').catch(() => false)
    return ready ? frame : undefined
  }, (frame) => frame !== undefined, 20_000, 100) as Frame
}

async function received (frame: Frame): Promise<string[]> {
  return await frame.evaluate(() => (globalThis as unknown as { received: string[] }).received)
}

async function say (frame: Frame, text: string): Promise<void> {
  await frame.evaluate((t) => { (globalThis as unknown as { say: (t: string) => void }).say(t) }, text)
}

/** Sends `label N` every 200 ms until `heard()` has one; returns how long that took (ms). */
async function untilHeard (send: (text: string) => Promise<void> | void, heard: () => Promise<string[]>, label: string, limitMs = 30_000): Promise<number> {
  const start = Date.now()
  for (let i = 0; Date.now() - start < limitMs; i++) {
    await send(`${label} ${i}`)
    await sleep(200)
    if ((await heard()).some((t) => t.includes(label))) return Date.now() - start
  }
  throw new Error(`${label}: never heard`)
}

/** `untilHeard` between two app frames. */
async function sayUntilHeard (from: Frame, to: Frame, label: string): Promise<number> {
  return await untilHeard(async (text) => { await say(from, text) }, async () => await received(to), label)
}

describe('host mode: webxdc apps in sandboxed frames', { skip: SANDBOXED ? false : 'needs the network sandbox (scripts/sandbox.sh) for WebRTC' }, () => {
  let browser: Browser
  let dir: string
  let watched: Awaited<ReturnType<typeof watchedServer>>
  let relay: RelayProcess

  before(async () => {
    browser = await launchChromium()
    watched = await watchedServer()
    dir = await mkdtemp(join(tmpdir(), 'rtmesh-xdc-'))
    await writeFile(join(dir, 'fixture.xdc'), makeXdc(fixtureApp(watched.origin)))
    relay = await spawnRelay(['--port', '0', '--no-admin', '--demo-port', '0', '--xdc', join(dir, 'fixture.xdc')])
  })
  after(async () => {
    await browser.close()
    await relay.kill()
    await watched.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function open (url: string, name: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage()
    page.on('pageerror', (err) => { console.error(`[${name}] page error: ${err.message}`) })
    await page.goto(url)
    return page
  }

  it('rtmesh-relay --xdc: two browsers run the unmodified app and talk; the frame reaches no network and gets webxdc errors at once', async (t) => {
    const url = relay.xdcUrl ?? assert.fail('no xdcUrl')
    const alice = await open(url, 'alice')
    try {
      // opening the page starts a fresh chat: its URL now carries it, and is the invitation
      const invitation = await waitForValue('the chat in the URL', () => Promise.resolve(alice.url()), (u) => /#secret=[\w-]{43}&chat=/.test(u), 10_000)
      const aliceApp = await appFrame(alice)
      const opened = Date.now()
      const bob = await open(invitation, 'bob')
      try {
        const bobApp = await appFrame(bob)
        const firstMs = await sayUntilHeard(aliceApp, bobApp, 'from alice')
        t.diagnostic(`invitation opened → first message from the other instance: ${Date.now() - opened} ms (${firstMs} ms after its app started)`)
        await sayUntilHeard(bobApp, aliceApp, 'from bob')

        const errors = await bobApp.evaluate(() => (globalThis as unknown as { errors: Record<string, string> }).errors)
        assert.deepEqual(errors, { doubleJoin: 'ChannelActiveError', oversize: 'MessageTooLargeError', notBytes: 'TypeError', sessionWhileActive: 'null' })
        const probes = await waitForValue('every network probe to end', async () => await bobApp.evaluate(() => (globalThis as unknown as { probes: Record<string, string> }).probes),
          (p) => ['fetch', 'websocket', 'image', 'webrtc', 'nestedWebrtc', 'updateListener'].every((k) => k in p), 15_000, 100)
        t.diagnostic(`probes: ${JSON.stringify(probes)}`)
        const blocked = await bobApp.evaluate(() => (globalThis as unknown as { rtmesh: { webrtcBlocked: { connections: number, ms: number } } }).rtmesh.webrtcBlocked)
        t.diagnostic(`the bridge script took WebRTC away by holding ${blocked.connections} connections, in ${blocked.ms} ms`)
        for (const key of ['fetch', 'websocket', 'image', 'webrtc', 'nestedWebrtc']) assert.match(probes[key] ?? '', /^failed/, `${key} from the app frame`)
        assert.equal(probes.updateListener, 'ready', 'the update API is there and answers')
        assert.equal(watched.hits(), 0, 'the server the app aimed at saw nothing')

        // leave makes the channel unusable at once; a new join works and hears the others
        const afterLeave = await bobApp.evaluate(() => (globalThis as unknown as { leaveAndRejoin: () => Record<string, string> }).leaveAndRejoin())
        assert.deepEqual(afterLeave, { sendAfterLeave: 'ChannelClosedError', listenAfterLeave: 'ChannelClosedError' })
        await sayUntilHeard(aliceApp, bobApp, 'after rejoin')
        assert.ok((await received(bobApp)).some((m) => m.startsWith('again: after rejoin')))

        // the host keeps its own WebRTC: the two pages link directly
        const direct = await waitForValue('a direct link between the hosts', async () => await alice.evaluate(() =>
          (globalThis as unknown as { rtmeshHost: { status: () => { direct: number } } }).rtmeshHost.status().direct), (n) => n > 0, 30_000, 250)
        assert.ok(direct > 0)
      } finally {
        await bob.context().close()
      }
    } finally {
      await alice.context().close()
    }
  })

  it('a Node host (an app bridged over a MessagePort) and a browser host link directly over WebRTC and keep talking after the relay dies', async (t) => {
    const own = await spawnRelay(['--port', '0', '--no-admin', '--demo-port', '0', '--xdc', join(dir, 'fixture.xdc')])
    const page = await open(own.xdcUrl ?? assert.fail('no xdcUrl'), 'browser host')
    const node = await createRealtimeNode({ bootstrap: [own.ws] })
    try {
      const url = await waitForValue('the chat in the URL', () => Promise.resolve(page.url()), (u) => u.includes('#secret='), 10_000)
      const fragment = new URLSearchParams(new URL(url).hash.slice(1))
      const { appId } = await (await fetch(new URL('xdc.json', own.xdcUrl))).json() as { appId: string }
      const identity = { secret: new Uint8Array(Buffer.from(fragment.get('secret') ?? '', 'base64url')), chatId: fragment.get('chat') ?? '', appId }
      // the Node host serves "its frame" (here, app code in the same process) through the bridge, as an Electron host would
      const ports = new MessageChannel()
      const hosted = bridgeFrame(ports.port1, { webxdc: node.webxdc(identity), updates: new MeshUpdates(node, identity), selfAddr: 'node-host', selfName: 'Node host' })
      const app = frameBridge()
      app.connect(ports.port2)
      const nodeReceived: string[] = []
      const channel = app.webxdc.joinRealtimeChannel()
      channel.setListener((data) => { nodeReceived.push(new TextDecoder().decode(data)) })
      const browserApp = await appFrame(page)
      const nodeSends = (text: string): void => { channel.send(new TextEncoder().encode(text)) }
      const nodeHeard = async (): Promise<string[]> => await Promise.resolve(nodeReceived)
      await untilHeard(nodeSends, async () => await received(browserApp), 'from node')
      await untilHeard(async (text) => { await say(browserApp, text) }, nodeHeard, 'from browser')
      const link = await waitForValue('a direct WebRTC link from the Node host to the page', () => Promise.resolve(node.libp2p.getConnections()
        .filter((c) => c.status === 'open' && c.limits === undefined && c.remoteAddr.toString().includes('/webrtc'))
        .map((c) => c.remoteAddr.toString())), (addrs) => addrs.length > 0, 30_000, 250)
      t.diagnostic(`direct link: ${link[0] ?? ''}`)
      await own.kill('SIGKILL')
      await untilHeard(nodeSends, async () => await received(browserApp), 'after the relay died, from node')
      await untilHeard(async (text) => { await say(browserApp, text) }, nodeHeard, 'after the relay died, from browser')
      hosted.close()
    } finally {
      await node.stop()
      await page.context().close()
      await own.kill()
    }
  })

  it('three apps in one host page share its node and stay isolated', async () => {
    const host: MultiHost = await serveMultiHost(relay.ws, fixtureApp(watched.origin))
    const chat = { secret: randomBytes(32).toString('base64url'), chat: randomBytes(6).toString('hex') }
    const pages: Page[] = []
    try {
      for (const name of ['alice', 'bob']) pages.push(await open(host.url(chat, name), name))
      const [alice, bob] = pages
      assert.ok(alice !== undefined && bob !== undefined)
      const apps = ['app-1', 'app-2', 'app-3']
      const aliceApps = await Promise.all(apps.map(async (id) => await appFrame(alice, `#${id}`)))
      const bobApps = await Promise.all(apps.map(async (id) => await appFrame(bob, `#${id}`)))
      for (const [i, id] of apps.entries()) {
        const from = aliceApps[i]
        const to = bobApps[i]
        assert.ok(from !== undefined && to !== undefined)
        await sayUntilHeard(from, to, `to ${id}`)
      }
      for (const [i, id] of apps.entries()) {
        const got = await received(bobApps[i] ?? assert.fail())
        assert.ok(got.every((m) => m.startsWith(`to ${id} `)), `${id} heard only its own app: ${got.join(', ')}`)
      }
      // one node per page serves all three: Bob's node knows Alice's one peer id in each app's channel
      type Multi = { rtmeshMulti: { peerId: () => Promise<string>, members: (appId: string) => Promise<string[]> } }
      const alicePeer = await alice.evaluate(async () => await (globalThis as unknown as Multi).rtmeshMulti.peerId())
      for (const id of apps) {
        await waitForValue(`Bob's node to list Alice in ${id}`, async () => await bob.evaluate(async (appId) => await (globalThis as unknown as Multi).rtmeshMulti.members(appId), id),
          (members) => members.includes(alicePeer), 15_000, 200)
      }
    } finally {
      for (const page of pages) await page.context().close()
      await host.close()
    }
  })
})
