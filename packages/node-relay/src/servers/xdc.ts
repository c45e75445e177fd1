/**
 * The `--xdc` web server: a host page that runs the rtmesh node in the
 * browser, and the unpacked webxdc app it runs in a sandboxed frame whose
 * documents can open no network connection. The app's `webxdc.js` is the
 * bridge to the host page; the page's URL, fragment included, is the
 * invitation to the chat.
 *
 * Routes: `/` the host page, `/xdc-host.js` its script, `/xdc.json` the app
 * and this relay's addresses, `/app/webxdc.js` the bridge, `/app/<path>` the
 * app's files.
 */
import { readFile } from 'node:fs/promises'
import type { RequestListener, ServerResponse } from 'node:http'
import { listenHttp } from './http.ts'
import type { HttpServer } from './http.ts'
import type { XdcApp } from './xdc-archive.ts'

/**
 * The app documents' policy: their own files, inline code and data URLs, and
 * no connection to any other address (Delta Chat's policy for webxdc apps).
 * WebRTC is not covered by CSP in Chromium: the bridge script takes it away.
 */
export const APP_CSP = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline' blob:",
  "font-src 'self' data: blob:",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
  "connect-src 'self' data: blob:",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "form-action 'none'"
].join('; ')

/** The sandbox of the app frame: scripts, forms and dialogs; no same-origin (no access to the host page), no top navigation. */
export const APP_SANDBOX = 'allow-scripts allow-forms allow-modals allow-popups allow-downloads'

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  toml: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  wasm: 'application/wasm',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm'
}

function contentType (path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  return TYPES[ext] ?? 'application/octet-stream'
}

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The host page: a status bar and the app frame, both run by `xdc-host.js`. */
function hostPage (app: XdcApp): string {
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(app.name)} · rtmesh</title>
<style>
  html, body { margin: 0; height: 100%; font: 14px system-ui, sans-serif; display: flex; flex-direction: column; }
  #bar { padding: 6px 10px; background: #223; color: #eee; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  #bar input { flex: 1; min-width: 12em; font: inherit; }
  #app { flex: 1; border: 0; width: 100%; }
</style>
<div id="bar"><strong>${escapeHtml(app.name)}</strong> <span id="status">starting…</span>
  <label>invite: <input id="invite" readonly></label></div>
<iframe id="app" sandbox="${APP_SANDBOX}" title="${escapeHtml(app.name)}"></iframe>
<script src="/xdc-host.js"></script>
</html>
`
}

function send (res: ServerResponse, status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', ...headers }).end(body)
}

/**
 * Serves `app` on `host:port`. `relay` gives this relay's identity and
 * addresses (the page connects to its WebSockets addresses).
 */
export async function startXdcServer (host: string, port: number, app: XdcApp, relay: () => { peerId: string, multiaddrs: string[] }): Promise<HttpServer> {
  // the browser package's root, found through its published script
  const root = new URL('../', import.meta.resolve('@rtmesh/browser/webxdc.js'))
  const asset = (res: ServerResponse, file: string, headers: Record<string, string> = {}): void => {
    readFile(new URL(file, root)).then((body) => { send(res, 200, contentType(file), body, headers) }, () => {
      send(res, 500, 'text/plain', 'host assets missing: build @rtmesh/browser\n')
    })
  }
  const appHeaders = { 'content-security-policy': APP_CSP, 'access-control-allow-origin': '*' }
  const appFile = (path: string): Uint8Array | undefined => {
    const inApp = path.slice('/app/'.length)
    return app.files.get(inApp === '' || inApp.endsWith('/') ? `${inApp}index.html` : inApp)
  }
  const handler: RequestListener = (req, res) => {
    let path: string
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')
    } catch {
      path = ''
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'method not allowed\n')
    } else if (path === '/' || path === '/index.html') {
      send(res, 200, contentType('index.html'), hostPage(app))
    } else if (path === '/xdc-host.js') {
      asset(res, 'dist/xdc-host.js')
    } else if (path === '/xdc.json') {
      const { peerId, multiaddrs } = relay()
      const body = JSON.stringify({ appId: app.appId, name: app.name, relay: peerId, ws: multiaddrs.filter((ma) => ma.includes('/ws/')) })
      send(res, 200, 'application/json', body, { 'cache-control': 'no-store' })
    } else if (path === '/app/webxdc.js') {
      asset(res, 'dist/webxdc-bridge.js', appHeaders)
    } else if (path.startsWith('/app/') && appFile(path) !== undefined) {
      send(res, 200, contentType(path.endsWith('/') ? 'index.html' : path), appFile(path) ?? new Uint8Array(), appHeaders)
    } else {
      send(res, 404, 'text/plain', 'not found\n')
    }
  }
  const server = await listenHttp(handler, host, port)
  return { ...server, url: `${server.url}/` }
}
