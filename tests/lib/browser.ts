/**
 * Chromium for tests: Debian's build driven by playwright-core, pages of the
 * test app served from loopback.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { closeServer, listenOnLoopback } from '@rtmesh/testkit'

export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium'

/** True inside scripts/sandbox.sh's network namespace, where WebRTC has a host candidate of its own. */
export const SANDBOXED = process.env.RTMESH_SANDBOX === '1'

export async function launchChromium (extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROME_PATH)) {
    throw new Error(`Chromium not found at ${CHROME_PATH}: install it (as root: apt-get install -y chromium) or set CHROME_PATH`)
  }
  return await chromium.launch({
    executablePath: CHROME_PATH,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-features=WebRtcHideLocalIpsWithMdns',
      ...extraArgs
    ]
  })
}

const ROOT = new URL('../../', import.meta.url)
const FILES: Record<string, URL> = {
  '/app.html': new URL('tests/fixtures/app.html', ROOT),
  '/net-page.html': new URL('tests/fixtures/net-page.html', ROOT),
  '/webxdc.js': new URL('packages/browser/dist/webxdc.js', ROOT)
}

export interface AppServer { origin: string, close: () => Promise<void> }

/** Serves the test app and webxdc.js on 127.0.0.1. */
export async function serveApp (): Promise<AppServer> {
  const server = createServer((req, res) => {
    const file = FILES[(req.url ?? '/').split('?')[0] ?? '/']
    if (file === undefined) {
      res.writeHead(404).end()
      return
    }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': file.pathname.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body)
    }, () => { res.writeHead(500).end() })
  })
  const port = await listenOnLoopback(server)
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await closeServer(server)
    }
  }
}

export interface ChannelParams { relay: string, secret: string, chat: string, app: string }

export function appUrl (origin: string, params: ChannelParams, name = 'tester'): string {
  return `${origin}/app.html#${new URLSearchParams({ ...params, name }).toString()}`
}

/** Types a message into the test app and sends it, as a person would. */
export async function say (page: Page, text: string): Promise<void> {
  await page.fill('#input', text)
  await page.press('#input', 'Enter')
}

export async function received (page: Page): Promise<string[]> {
  return await page.locator('#log li').allTextContents()
}

export interface PageStatus { state: string, relays: number, peers: number, direct: number }

export async function status (page: Page): Promise<PageStatus> {
  return await page.evaluate(() => {
    const handle = (globalThis as unknown as { rtmesh?: { status: () => PageStatus } }).rtmesh
    return handle?.status() ?? { state: 'none', relays: 0, peers: 0, direct: 0 }
  })
}
