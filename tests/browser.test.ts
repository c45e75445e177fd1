/**
 * webxdc.js in real Chromium (issue #4): pages of an unmodified webxdc app,
 * relay processes, WebRTC between pages, Node peers in the same channel.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { createRealtimeNode } from '@rtmesh/core'
import { spawnRelay } from '../packages/node-relay/test/helpers.ts'
import type { RelayProcess } from '../packages/node-relay/test/helpers.ts'
import { bytes, record, sleep, text, waitFor } from '../packages/core/test/helpers.ts'
import { appUrl, launchChromium, received, SANDBOXED, say, serveApp, status } from './lib/browser.ts'
import type { AppServer, ChannelParams } from './lib/browser.ts'

function newChannel (relay: RelayProcess): ChannelParams {
  return { relay: relay.ws, secret: randomBytes(24).toString('base64url'), chat: randomBytes(6).toString('hex'), app: 'test-app' }
}

async function waitForPage (what: string, page: Page, condition: (texts: string[]) => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const texts = await received(page)
    if (condition(texts)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; page has ${JSON.stringify(texts)}`)
    await sleep(100)
  }
}

/** Sends `label N` from `from` until `to` shows one; returns what `to` got. */
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

  it('two pages of an unmodified webxdc app exchange messages both ways', async () => {
    const params = newChannel(relay)
    const alice = await openApp(params, 'alice')
    const bob = await openApp(params, 'bob')
    try {
      await sayUntilHeard(alice, bob, 'from alice')
      await sayUntilHeard(bob, alice, 'from bob')
      // the sender does not receive its own data
      assert.ok((await received(alice)).every((t) => !t.startsWith('from alice')))
    } finally {
      await alice.context().close()
      await bob.context().close()
    }
  })
})
