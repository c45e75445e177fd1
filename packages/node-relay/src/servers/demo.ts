/**
 * The demo web server (`--demo`): serves the demo chat page of
 * `@rtmesh/browser`, its `webxdc.js`, and `relay.json` (this relay's
 * WebSockets addresses) so that a fresh page can create a channel.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const FILES: Record<string, { file: string, type: string }> = {
  '/': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo/demo.js', type: 'text/javascript; charset=utf-8' },
  '/webxdc.js': { file: 'dist/webxdc.js', type: 'text/javascript; charset=utf-8' }
}

export interface DemoServer {
  url: string
  close: () => Promise<void>
}

export async function startDemoServer (host: string, port: number, relay: () => { peerId: string, multiaddrs: string[] }): Promise<DemoServer> {
  // the browser package's root, found through its published script
  const root = new URL('../', import.meta.resolve('@rtmesh/browser/webxdc.js'))
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path === '/relay.json') {
      const { peerId, multiaddrs } = relay()
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ peerId, ws: multiaddrs.filter((ma) => ma.includes('/ws/')) }))
      return
    }
    const entry = FILES[path]
    if (entry === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    readFile(new URL(entry.file, root)).then((body) => {
      res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-cache' }).end(body)
    }, () => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('demo assets missing: build @rtmesh/browser\n')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as AddressInfo
  const shown = address.address === '0.0.0.0' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}/`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}
