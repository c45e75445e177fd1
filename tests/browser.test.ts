/**
 * webxdc.js in real Chromium: pages of an unmodified webxdc app exchange
 * messages through relay processes and directly over WebRTC, with Node peers
 * in the same channel; isolation, join time, reloads and the demo page.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { createRealtimeNode } from '@rtmesh/core'
import { bytes, closeServer, freePort, listenOnLoopback, record, sleep, spawnRelay, text, waitFor, waitForValue } from '@rtmesh/testkit'
import type { RelayProcess } from '@rtmesh/testkit'
import { appUrl, launchChromium, received, SANDBOXED, say, serveApp, status } from './lib/browser.ts'
import type { AppServer, ChannelParams } from './lib/browser.ts'

function newChannel (relay: RelayProcess): ChannelParams {
  return { relay: relay.ws, secret: randomBytes(24).toString('base64url'), chat: randomBytes(6).toString('hex'), app: 'test-app' }
}

/** Polls what `page` received until `condition` holds (the error shows what it had). */
async function waitForPage (what: string, page: Page, condition: (texts: string[]) => boolean, timeoutMs = 20_000): Promise<void> {
  await waitForValue(what, async () => await received(page), condition, timeoutMs, 100)
}

/** Closes each page with its browser context. */
async function closePages (pages: Page[]): Promise<void> {
  for (const page of pages) await page.context().close()
}

/** Sends `label N` from `from` until `to` shows one. */
async function sayUntilHeard (from: Page, to: Page, label: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await say(from, `${label} ${i}`)
    await sleep(200)
    if ((await received(to)).some((t) => t.startsWith(label))) return
  }
  throw new Error(`${label}: never heard`)
}

describe('webxdc.js in Chromium', () => {
  let browser: Browser
  let app: AppServer
  let relay: RelayProcess

  before(async () => {
    browser = await launchChromium()
    app = await serveApp()
    relay = await spawnRelay(['--port', '0', '--no-admin'])
  })
  after(async () => {
    await browser.close()
    await app.close()
    await relay.kill()
  })

  async function openApp (params: ChannelParams, name: string): Promise<Page> {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.on('pageerror', (err) => { console.error(`[${name}] page error: ${err.message}`) })
    await page.goto(appUrl(app.origin, params, name))
    return page
  }

  /** Alice's and Bob's pages of the app, on a fresh channel through `via`. */
  async function openPair (via: RelayProcess): Promise<{ params: ChannelParams, alice: Page, bob: Page }> {
    const params = newChannel(via)
    const alice = await openApp(params, 'alice')
    const bob = await openApp(params, 'bob')
    return { params, alice, bob }
  }

  it('two pages of an unmodified webxdc app exchange messages both ways', async () => {
    const { alice, bob } = await openPair(relay)
    try {
      await sayUntilHeard(alice, bob, 'from alice')
      await sayUntilHeard(bob, alice, 'from bob')
      // the sender does not receive its own data
      assert.ok((await received(alice)).every((t) => !t.startsWith('from alice')))
    } finally {
      await closePages([alice, bob])
    }
  })

  it('pages connect directly over WebRTC and keep talking after the relay is killed', { skip: !SANDBOXED && 'needs the network sandbox (root) for WebRTC host candidates' }, async () => {
    const ownRelay = await spawnRelay(['--port', '0', '--no-admin'])
    const { alice, bob } = await openPair(ownRelay)
    try {
      await sayUntilHeard(alice, bob, 'via relay')
      await waitForValue('a direct link at both pages', async () => [await status(alice), await status(bob)],
        (both) => both.every((s) => s.direct >= 1), 30_000, 200)
      assert.equal((await status(alice)).state, 'direct')
      await ownRelay.kill('SIGKILL')
      await waitFor('alice to stop counting the killed relay', async () => (await status(alice)).relays === 0, 10_000, 100)
      for (const i of [1, 2, 3]) await say(alice, `direct ${i}`)
      for (const i of [1, 2, 3]) await say(bob, `back ${i}`)
      await waitForPage('direct messages at bob', bob, (t) => ['direct 1', 'direct 2', 'direct 3'].every((m) => t.includes(m)))
      await waitForPage('replies at alice', alice, (t) => ['back 1', 'back 2', 'back 3'].every((m) => t.includes(m)))
    } finally {
      await closePages([alice, bob])
      await ownRelay.kill()
    }
  })

  it('a page whose WebRTC cannot connect keeps its relayed path and does not redial in a loop', async (t) => {
    const params = newChannel(relay)
    const alice = await openApp(params, 'alice')
    const bob = await (await browser.newContext()).newPage()
    // in bob's page every RTCPeerConnection fails (as behind a hostile NAT or firewall); count the attempts
    await bob.addInitScript(() => {
      const scope = globalThis as unknown as { RTCPeerConnection: unknown, rtcAttempts: number }
      scope.rtcAttempts = 0
      scope.RTCPeerConnection = function failing (): never {
        scope.rtcAttempts++
        throw new Error('WebRTC blocked by the test')
      }
    })
    try {
      await bob.goto(appUrl(app.origin, params, 'bob'))
      await sayUntilHeard(alice, bob, 'first')
      await sayUntilHeard(bob, alice, 'reply')
      await sleep(8_000) // presence rounds and WebRTC attempts come and fail
      const [a, b] = [await status(alice), await status(bob)]
      assert.equal(b.direct, 0, 'no direct link is possible')
      assert.equal(a.relays, 1)
      assert.equal(b.relays, 1, 'the relayed path survived the failed attempts')
      for (const i of [1, 2, 3]) await say(alice, `later ${i}`)
      await waitForPage('messages after the failed attempts', bob, (t) => ['later 1', 'later 2', 'later 3'].every((m) => t.includes(m)))
      const attempts = (): Promise<number> => bob.evaluate(() => (globalThis as unknown as { rtcAttempts: number }).rtcAttempts)
      const early = await attempts()
      await sleep(8_000)
      const late = await attempts()
      t.diagnostic(`RTCPeerConnection attempts in bob's page: ${early} in the first ~12 s, ${late - early} in the next 8 s`)
      // both sides' member dials back off for 30 s after a failure: no loop
      assert.ok(late - early <= 4, `${late - early} more attempts in 8 s`)
    } finally {
      await closePages([alice, bob])
    }
  })

  it('three pages and a Node peer share a channel; other secrets and apps hear nothing', async () => {
    const params = newChannel(relay)
    const names = ['p1', 'p2', 'p3']
    const pages = await Promise.all(names.map(async (name) => await openApp(params, name)))
    const otherSecret = await openApp({ ...params, secret: randomBytes(24).toString('base64url') }, 'other-secret')
    const otherApp = await openApp({ ...params, app: 'another-app' }, 'other-app')
    const node = await createRealtimeNode({ bootstrap: [relay.ws] })
    try {
      const channel = node.webxdc({ secret: params.secret, chatId: params.chat, appId: params.app }).joinRealtimeChannel()
      const atNode = record(channel)
      // wait until every member hears every other one
      for (let round = 0; ; round++) {
        if (round > 60) throw new Error('members did not all hear each other')
        for (const [i, page] of pages.entries()) await say(page, `hello from ${names[i] ?? ''} ${round}`)
        channel.send(bytes(`hello from node ${round}`))
        await sleep(300)
        const heard = await Promise.all(pages.map(async (page) => await received(page)))
        const allHeard = heard.every((texts, i) => names.concat('node').filter((_, j) => j !== i).every((n) => texts.some((t) => t.startsWith(`hello from ${n} `))))
        if (allHeard && names.every((n) => atNode.some((d) => text(d).startsWith(`hello from ${n} `)))) break
      }
      // now every message reaches every other member
      await say(pages[0] ?? assert.fail(), 'final from p1')
      channel.send(bytes('final from node'))
      for (const [i, page] of pages.entries()) {
        if (i !== 0) await waitForPage(`final from p1 at ${names[i] ?? ''}`, page, (t) => t.includes('final from p1'))
        await waitForPage(`final from node at ${names[i] ?? ''}`, page, (t) => t.includes('final from node'))
      }
      await waitFor('final from p1 at the node', () => atNode.some((d) => text(d) === 'final from p1'))
      await sleep(1_000)
      assert.deepEqual(await received(otherSecret), [])
      assert.deepEqual(await received(otherApp), [])
      channel.leave()
    } finally {
      await node.stop()
      await closePages([...pages, otherSecret, otherApp])
    }
  })

  it('join time: page opened to first message from an existing member', async (t) => {
    const params = newChannel(relay)
    const node = await createRealtimeNode({ bootstrap: [relay.ws] })
    const channel = node.webxdc({ secret: params.secret, chatId: params.chat, appId: params.app }).joinRealtimeChannel()
    let n = 0
    const ticker = setInterval(() => { channel.send(bytes(`tick ${n++}`)) }, 50)
    const times: number[] = []
    try {
      for (let i = 0; i < 3; i++) {
        const page = await (await browser.newContext()).newPage()
        const opened = Date.now()
        await page.goto(appUrl(app.origin, params, `joiner${i}`))
        await page.locator('#log li').first().waitFor({ timeout: 20_000 })
        times.push(Date.now() - opened)
        await page.context().close()
      }
      t.diagnostic(`page opened → first message (ms): ${times.join(', ')}`)
      assert.ok(times.every((ms) => ms < 10_000), `join times ${times.join(', ')} ms`)
    } finally {
      clearInterval(ticker)
      channel.leave()
      await node.stop()
    }
  })

  it('a page that reloads receives new messages and none sent while it was away', async () => {
    const { params, alice, bob } = await openPair(relay)
    try {
      await sayUntilHeard(alice, bob, 'before')
      // bob goes away (navigates off), alice talks, bob comes back
      await bob.goto('about:blank')
      await say(alice, 'while bob was away')
      await sleep(1_000)
      await bob.goto(appUrl(app.origin, params, 'bob'))
      await sayUntilHeard(alice, bob, 'after')
      await sleep(1_000)
      const texts = await received(bob)
      assert.ok(!texts.includes('while bob was away'), `bob got ${JSON.stringify(texts)}`)
      assert.ok(texts.every((t) => t.startsWith('after')))
    } finally {
      await closePages([alice, bob])
    }
  })

  it('the demo: a second tab opened from the share link sees the first and the message (screenshot)', async (t) => {
    const demoPort = await freePort()
    const demoRelay = await spawnRelay(['--port', '0', '--no-admin', '--demo', '--demo-port', String(demoPort)])
    const first = await (await browser.newContext({ viewport: { width: 720, height: 640 } })).newPage()
    let second: Page | undefined
    try {
      await first.goto(`http://127.0.0.1:${demoPort}/`)
      const shareLink = first.locator('#share-link')
      await waitFor('the share link', async () => (await shareLink.inputValue()).includes('secret='), 10_000, 100)
      const link = await shareLink.inputValue()
      assert.ok(!link.includes('name='), 'the share link carries no name')
      second = await (await browser.newContext({ viewport: { width: 720, height: 640 } })).newPage()
      await second.goto(link)
      const firstName = await first.evaluate(() => (globalThis as unknown as { webxdc: { selfName: string } }).webxdc.selfName)
      const secondName = await second.evaluate(() => (globalThis as unknown as { webxdc: { selfName: string } }).webxdc.selfName)
      await second.locator('#people').getByText(firstName).waitFor({ timeout: 20_000 })
      await first.locator('#people').getByText(secondName).waitFor({ timeout: 20_000 })
      await first.fill('#text', 'Hello from the first tab!')
      await first.press('#text', 'Enter')
      await second.locator('#log').getByText('Hello from the first tab!').waitFor({ timeout: 10_000 })
      await second.waitForFunction(() => document.getElementById('status')?.textContent.includes('1 peer') === true, undefined, { timeout: 10_000 })
      const shots = [await first.screenshot(), await second.screenshot()].map((png) => `data:image/png;base64,${png.toString('base64')}`)
      const board = await (await browser.newContext({ viewport: { width: 1460, height: 660 } })).newPage()
      await board.setContent(`<body style="margin:0;display:flex;gap:20px;background:#444">${shots.map((src) => `<img src="${src}" width="720">`).join('')}</body>`)
      const file = new URL('.artifacts/demo-two-tabs.png', import.meta.url).pathname
      await mkdir(dirname(file), { recursive: true })
      await board.screenshot({ path: file })
      t.diagnostic(`screenshot of both tabs: ${file}`)
      await board.context().close()
    } finally {
      await first.context().close()
      await second?.context().close()
      await demoRelay.kill()
    }
  })

  it('an unmodified app that calls setUpdateListener and sendUpdate at load works in two pages: each gets the other\'s update', async () => {
    // what realtime apps built on app frameworks do at start; it used to die with "setUpdateListener is not a function"
    const page = `<!doctype html><html><head><meta charset="utf-8"><script src="webxdc.js"></script></head><body><ul id="updates"></ul><script>
      window.heard = []
      window.webxdc.setUpdateListener((update) => {
        window.heard.push(update)
        const li = document.createElement('li')
        li.textContent = update.serial + '/' + update.max_serial + ' ' + update.payload.from
        document.getElementById('updates').append(li)
      }, 0).then(() => { window.listenerReady = true })
      window.webxdc.sendUpdate({ payload: { from: window.webxdc.selfName }, info: window.webxdc.selfName + ' opened the app' }, '')
    </script></body></html>`
    interface Heard { serial: number, max_serial: number, payload: { from: string }, info?: string }
    // served from loopback like the other apps (a page Chromium cannot place on the local network may not dial the relay)
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]
      if (path === '/updates-app.html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(page)
      } else if (path === '/webxdc.js') {
        readFile(new URL('../packages/browser/dist/webxdc.js', import.meta.url)).then((body) => {
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(body)
        }, () => { res.writeHead(500).end() })
      } else {
        res.writeHead(404).end()
      }
    })
    const origin = `http://127.0.0.1:${await listenOnLoopback(server)}`
    const params = newChannel(relay)
    const open = async (name: string): Promise<Page> => {
      const opened = await (await browser.newContext()).newPage()
      opened.on('pageerror', (err) => { console.error(`[${name}] page error: ${err.message}`) })
      await opened.goto(appUrl(origin, params, name).replace('/app.html#', '/updates-app.html#'))
      return opened
    }
    const heard = async (at: Page): Promise<Heard[]> => await at.evaluate(() => (globalThis as unknown as { heard: Heard[] }).heard)
    const froms = async (at: Page): Promise<string[]> => (await heard(at)).map((u) => u.payload.from)
    const alice = await open('alice')
    const bob = await open('bob')
    try {
      const api = await alice.evaluate(() => {
        const webxdc = (globalThis as unknown as { webxdc: Record<string, unknown> }).webxdc
        return ['sendUpdate', 'setUpdateListener', 'getAllUpdates', 'sendToChat', 'importFiles', 'joinRealtimeChannel']
          .filter((name) => typeof webxdc[name] !== 'function')
          .concat(['selfAddr', 'selfName'].filter((name) => typeof webxdc[name] !== 'string'))
          .concat(['sendUpdateInterval', 'sendUpdateMaxSize'].filter((name) => typeof webxdc[name] !== 'number'))
      })
      assert.deepEqual(api, [], 'every member of the webxdc API is there')
      await waitForValue('bob\'s update at alice and alice\'s at bob', async () => [await froms(alice), await froms(bob)],
        ([atAlice, atBob]) => atAlice?.includes('bob') === true && atBob?.includes('alice') === true, 30_000, 200)
      for (const [name, at, other] of [['alice', alice, 'bob'], ['bob', bob, 'alice']] as const) {
        const updates = await heard(at)
        assert.deepEqual(updates.map((u) => [u.serial, u.payload.from]), [[1, name], [2, other]], `${name}: own update first, then the other's`)
        const second = updates[1]
        assert.ok(second)
        assert.equal(second.info, `${other} opened the app`)
        assert.equal(second.max_serial, 2)
        assert.equal(await at.evaluate(() => (globalThis as unknown as { listenerReady?: boolean }).listenerReady), true)
      }
      // and later updates travel too
      await bob.evaluate(() => { (globalThis as unknown as { webxdc: { sendUpdate: (u: unknown, d: string) => void } }).webxdc.sendUpdate({ payload: { from: 'bob, later' } }, '') })
      await waitForValue('the later update at alice', async () => await froms(alice), (f) => f.includes('bob, later'), 20_000, 100)
      assert.deepEqual(await alice.locator('#updates li').allTextContents(), ['1/1 alice', '2/2 bob', '3/3 bob, later'])
    } finally {
      await closePages([alice, bob])
      server.closeAllConnections()
      await closeServer(server)
    }
  })
})
