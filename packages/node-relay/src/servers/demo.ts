/**
 * The demo web server (`--demo`): serves the demo chat page of
 * `@rtmesh/browser`, its `webxdc.js`, and `relay.json` (this relay's
 * WebSockets addresses) so that a fresh page can create a channel.
 */
import { readFile } from 'node:fs/promises'
import type { RequestListener } from 'node:http'
import { listenHttp } from './http.ts'
import type { HttpServer } from './http.ts'

const FILES: Record<string, { file: string, type: string }> = {
  '/': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo/demo.js', type: 'text/javascript; charset=utf-8' },
  '/webxdc.js': { file: 'dist/webxdc.js', type: 'text/javascript; charset=utf-8' }
}

export async function startDemoServer (host: string, port: number, relay: () => { peerId: string, multiaddrs: string[] }): Promise<HttpServer> {
  // the browser package's root, found through its published script
  const root = new URL('../', import.meta.resolve('@rtmesh/browser/webxdc.js'))
  const handler: RequestListener = (req, res) => {
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
  }
  const server = await listenHttp(handler, host, port)
  // the page's address, as the CLI prints it
  return { ...server, url: `${server.url}/` }
}
