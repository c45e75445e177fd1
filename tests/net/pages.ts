/**
 * Chromium pages as members of the test network: each loads webxdc.js and
 * reports what it receives to the runner.
 */
import type { Browser, Page } from 'playwright-core'
import { launchChromium, serveApp } from '../lib/browser.ts'
import { decodePayload, encodePayload } from './protocol.ts'
import type { ChannelSpec, PeerEvent } from './protocol.ts'

export interface Pages {
  traffic: (rate: number, size: number, untilMs: number) => void
  close: () => Promise<void>
}

export async function startPages (count: number, relay: string, channel: ChannelSpec, onEvent: (e: PeerEvent) => void): Promise<Pages> {
  const browser: Browser = await launchChromium()
  const server = await serveApp()
  const pages: Page[] = []
  const timers: Array<ReturnType<typeof setInterval>> = []
  for (let i = 0; i < count; i++) {
    const name = `page${i}`
    const page = await (await browser.newContext()).newPage()
    await page.exposeFunction('rtmeshReport', (bytes: number[]) => {
      const decoded = decodePayload(Uint8Array.from(bytes))
      if (decoded !== undefined) onEvent({ k: 'recv', id: decoded.id, name, channel: channel.label, at: Date.now(), sentAt: decoded.sentAt, from: decoded.channel })
    })
    await page.addInitScript(({ relay, channel }) => {
      const hex = channel.secretHex
      const secret = new Uint8Array(hex.length / 2).map((_, j) => parseInt(hex.slice(2 * j, 2 * j + 2), 16))
      ;(globalThis as unknown as { rtmeshConfig: unknown }).rtmeshConfig = { relays: [relay], secret, chatId: channel.chatId, appId: channel.appId }
    }, { relay, channel })
    await page.goto(`${server.origin}/net-page.html`)
    onEvent({ k: 'joined', name, channel: channel.label, at: Date.now() })
    pages.push(page)
  }
  return {
    traffic: (rate, size, untilMs) => {
      pages.forEach((page, i) => {
        let seq = 0
        const timer = setInterval(() => {
          if (Date.now() >= untilMs) { clearInterval(timer); return }
          const id = `page${i}.${seq++}`
          const at = Date.now()
          const payload = Array.from(encodePayload(id, channel.label, at, size))
          onEvent({ k: 'sent', id, name: `page${i}`, channel: channel.label, at, kind: 'honest' })
          page.evaluate((bytes) => { (globalThis as unknown as { rtmeshSend: (b: number[]) => void }).rtmeshSend(bytes) }, payload).catch(() => {})
        }, 1_000 / rate)
        timers.push(timer)
      })
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer)
      await browser.close()
      await server.close()
    }
  }
}
