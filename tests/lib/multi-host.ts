/**
 * A host page of a web messenger with three apps: one browser node, each
 * app in its own sandboxed frame bridged to its own channel of one chat
 * (`@rtmesh/browser`'s ESM build: createBrowserNode, attachFrame,
 * lazyWebxdc, MeshUpdates). Served from loopback with the app's files under
 * the same policy as `rtmesh-relay --xdc`.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { closeServer, listenOnLoopback } from '@rtmesh/testkit'

export const MULTI_APPS = ['app-1', 'app-2', 'app-3']

const DIST = new URL('../../packages/browser/dist/', import.meta.url)
const CSP = "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; connect-src 'self' data: blob:; img-src 'self' data: blob:"

function page (relay: string): string {
  return `<!doctype html><meta charset="utf-8"><title>three apps</title><body>
${MULTI_APPS.map((id) => `<iframe id="${id}" sandbox="allow-scripts"></iframe>`).join('\n')}
<script type="module">
import { attachFrame, createBrowserNode, lazyWebxdc, MeshUpdates } from '/webxdc.esm.js'
const params = new URLSearchParams(location.search)
const name = params.get('name')
const node = createBrowserNode({ relays: [${JSON.stringify(relay)}] })
const identities = {}
for (const appId of ${JSON.stringify(MULTI_APPS)}) {
  const identity = { secret: params.get('secret'), chatId: params.get('chat'), appId }
  identities[appId] = identity
  const iframe = document.getElementById(appId)
  attachFrame(iframe, { webxdc: lazyWebxdc(node, identity, console.error).webxdc, updates: new MeshUpdates(node, identity), selfAddr: name, selfName: name })
  iframe.src = '/app/index.html'
}
globalThis.rtmeshMulti = {
  peerId: async () => (await node).peerId,
  members: async (appId) => (await node).members(identities[appId]).map((m) => m.peerId)
}
</script>
</body>`
}

export interface MultiHost {
  url: (chat: { secret: string, chat: string }, name: string) => string
  close: () => Promise<void>
}

export async function serveMultiHost (relay: string, app: Record<string, string>): Promise<MultiHost> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const send = (type: string, body: string | Buffer, headers: Record<string, string> = {}): void => { res.writeHead(200, { 'content-type': type, ...headers }).end(body) }
    if (path === '/multi.html') {
      send('text/html', page(relay))
      return
    }
    if (path === '/webxdc.esm.js') {
      readFile(new URL('webxdc.esm.js', DIST)).then((body) => { send('text/javascript', body) }, () => { res.writeHead(500).end() })
      return
    }
    if (path === '/app/webxdc.js') {
      readFile(new URL('webxdc-bridge.js', DIST)).then((body) => { send('text/javascript', body, { 'content-security-policy': CSP }) }, () => { res.writeHead(500).end() })
      return
    }
    const file = path.startsWith('/app/') ? app[path.slice('/app/'.length)] : undefined
    if (file === undefined) {
      res.writeHead(404).end()
      return
    }
    send(path.endsWith('.html') ? 'text/html' : 'text/javascript', file, { 'content-security-policy': CSP })
  })
  const port = await listenOnLoopback(server)
  return {
    url: (chat, name) => `http://127.0.0.1:${port}/multi.html?secret=${chat.secret}&chat=${chat.chat}&name=${name}`,
    close: async () => {
      server.closeAllConnections()
      await closeServer(server)
    }
  }
}
