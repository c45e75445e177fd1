/**
 * The host page of `rtmesh-relay --xdc` (`dist/xdc-host.js`): runs the
 * rtmesh node in the page and serves the webxdc app in the sandboxed
 * `<iframe id="app">` through the bridge. The page's URL fragment holds the
 * chat (`#secret=…&chat=…`): opening the page without one starts a fresh
 * chat, and the page's URL is then the invitation. The app id comes from the
 * server (`/xdc.json`), derived from the `.xdc` file.
 */
import { attachFrame } from './bridge/index.ts'
import type { AttachedFrame } from './bridge/index.ts'
import { lazyWebxdc } from './lazy.ts'
import { createBrowserNode } from './node.ts'
import { sendToChat } from './updates/files.ts'
import { MeshUpdates } from './updates/mesh.ts'
import type { ChannelIdentity, RealtimeNode } from '@rtmesh/core/portable'

interface XdcInfo { appId: string, name: string, ws: string[] }

/** What tests and curious users can read from the page (`globalThis.rtmeshHost`). */
export interface XdcHostStatus {
  state: 'starting' | 'offline' | 'relayed' | 'direct'
  peers: number
  direct: number
  /** Realtime sends of the app the bridge passed on, and payloads it handed to the app. */
  sent: number
  delivered: number
}

function parseInfo (value: unknown): XdcInfo {
  const { appId, name, ws } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  if (typeof appId !== 'string' || typeof name !== 'string' || !Array.isArray(ws) || !ws.every((w) => typeof w === 'string')) {
    throw new TypeError('xdc.json: unexpected content')
  }
  return { appId, name, ws }
}

function base64url (bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function fromBase64url (text: string): Uint8Array | undefined {
  try {
    const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

/** The chat of the URL fragment, or a fresh one written into the URL (which becomes the invitation). */
function chatFromUrl (): { secret: Uint8Array, chatId: string } {
  const params = new URLSearchParams(location.hash.slice(1))
  const secret = fromBase64url(params.get('secret') ?? '')
  const chatId = params.get('chat') ?? ''
  if (secret !== undefined && secret.byteLength >= 32 && chatId !== '') return { secret, chatId }
  const fresh = { secret: crypto.getRandomValues(new Uint8Array(32)), chatId: base64url(crypto.getRandomValues(new Uint8Array(9))) }
  history.replaceState(null, '', `#secret=${base64url(fresh.secret)}&chat=${fresh.chatId}`)
  return fresh
}

/** This browser's address and name, kept in the host page's storage (not the app's). */
function self (): { selfAddr: string, selfName: string } {
  const stored = (key: string, make: () => string): string => {
    try {
      const value = localStorage.getItem(key) ?? make()
      localStorage.setItem(key, value)
      return value
    } catch {
      return make()
    }
  }
  const selfAddr = stored('rtmesh-xdc-addr', () => `rtmesh-${base64url(crypto.getRandomValues(new Uint8Array(8)))}`)
  const name = new URLSearchParams(location.search).get('name')
  return { selfAddr, selfName: name ?? stored('rtmesh-xdc-name', () => `guest-${selfAddr.slice(-4)}`) }
}

async function main (): Promise<void> {
  const statusLine = document.getElementById('status')
  const invite = document.getElementById('invite') as HTMLInputElement | null
  const iframe = document.getElementById('app') as HTMLIFrameElement | null
  if (iframe === null) throw new Error('the host page has no <iframe id="app">')
  const info = parseInfo(await (await fetch('/xdc.json', { cache: 'no-store' })).json())
  const { secret, chatId } = chatFromUrl()
  const identity: ChannelIdentity = { secret, chatId, appId: info.appId }
  if (invite !== null) invite.value = location.href
  const onError = (err: unknown): void => { console.error('rtmesh:', err) }
  let started: RealtimeNode | undefined
  const node = createBrowserNode({ relays: info.ws }).then((n) => { started = n; return n })
  node.catch(onError)
  const attached: AttachedFrame = attachFrame(iframe, {
    webxdc: lazyWebxdc(node, identity, onError).webxdc,
    updates: new MeshUpdates(node, identity, { onError }),
    ...self(),
    onSendToChat: async ({ file, text }) => {
      if (text !== undefined) await sendToChat(file === undefined ? { text } : { file, text })
      else if (file !== undefined) await sendToChat({ file })
    }
  })
  iframe.src = '/app/index.html'
  const status = (): XdcHostStatus => {
    const bridge = attached.current?.stats()
    const counts = { sent: bridge?.sent ?? 0, delivered: bridge?.delivered ?? 0 }
    if (started === undefined) return { state: 'starting', peers: 0, direct: 0, ...counts }
    const members = started.members(identity)
    const direct = members.filter((m) => m.direct).length
    const relays = started.libp2p.getConnections().filter((c) => c.status === 'open' && c.limits === undefined).length > 0
    return { state: direct > 0 ? 'direct' : relays ? 'relayed' : 'offline', peers: members.length, direct, ...counts }
  }
  ;(globalThis as { rtmeshHost?: unknown }).rtmeshHost = { status, node, attached }
  setInterval(() => {
    const s = status()
    if (statusLine !== null) statusLine.textContent = `${s.state} · ${s.peers} other${s.peers === 1 ? '' : 's'} here (${s.direct} direct)`
  }, 1_000)
}

main().catch((err: unknown) => {
  console.error('rtmesh:', err)
  const statusLine = document.getElementById('status')
  if (statusLine !== null) statusLine.textContent = `error: ${String(err)}`
})
