/**
 * `installWebxdc`: puts the realtime API of one chat-and-app pair on
 * `window.webxdc`, backed by a browser realtime node.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { configuredRelays } from '@rtmesh/core/portable'
import type { RealtimeNode, WebxdcRealtime } from '@rtmesh/core/portable'
import { checkConfig } from './config.ts'
import type { WebxdcConfig } from './config.ts'
import { lazyWebxdc } from './lazy.ts'
import { createBrowserNode } from './node.ts'

/** What a page can show about its channel. */
export interface ConnectionStatus {
  /** `starting` (node not up), `offline` (no relay, no member link), `relayed` (members reached through relays only), `direct` (at least one direct link to a member). */
  state: 'starting' | 'offline' | 'relayed' | 'direct'
  /** Open connections to the configured relays. */
  relays: number
  /** Other members that announced themselves on the channel. */
  peers: number
  /** Members this page is directly connected to (WebRTC). */
  direct: number
  /** Sends dropped because no peer could receive them: made before the node was up, or while it had no connection (sends are never kept for later). */
  unsent: number
}

export interface InstalledWebxdc {
  /** The object installed as (or merged into) `window.webxdc`. */
  webxdc: WebxdcRealtime & { selfAddr: string, selfName: string }
  /** Resolves with the node once it has started and dialled its relays. */
  node: Promise<RealtimeNode>
  status: () => ConnectionStatus
  /** Leaves the channel and stops the node. */
  stop: () => Promise<void>
}

interface WebxdcHost { webxdc?: Record<string, unknown> }

function randomAddr (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return `rtmesh-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

/**
 * Creates the node and installs `joinRealtimeChannel` and
 * `joinRealtimeSession` on `window.webxdc` (creating it, with `selfAddr` and
 * `selfName`, if the page has none). Returns at once; the channel binds to
 * the node when it is ready.
 *
 * @example
 * ```ts
 * installWebxdc({ relays: ['/dns4/relay.example/tcp/443/wss/p2p/12D3Koo…'], secret, chatId, appId })
 * const channel = window.webxdc.joinRealtimeChannel()
 * ```
 */
export function installWebxdc (config: WebxdcConfig, target: WebxdcHost = globalThis as WebxdcHost): InstalledWebxdc {
  checkConfig(config)
  const identity = { secret: config.secret, chatId: config.chatId, appId: config.appId }
  let started: RealtimeNode | undefined
  const node = createBrowserNode({ relays: config.relays, ...(config.iceServers === undefined ? {} : { iceServers: config.iceServers }) })
    .then((n) => { started = n; return n })
  const onError = (err: unknown): void => { console.error('rtmesh:', err) }
  node.catch(onError)
  const lazy = lazyWebxdc(node, identity, onError)
  const existing = target.webxdc ?? {}
  const selfAddr = typeof existing.selfAddr === 'string' ? existing.selfAddr : (config.selfAddr ?? randomAddr())
  const selfName = typeof existing.selfName === 'string' ? existing.selfName : (config.selfName ?? selfAddr)
  const webxdc = Object.assign(existing, { selfAddr, selfName }, lazy.webxdc)
  target.webxdc = webxdc
  const isRelay = configuredRelays(config.relays.map((r) => multiaddr(r)))

  return {
    webxdc,
    node,
    status: () => {
      if (started === undefined) return { state: 'starting', relays: 0, peers: 0, direct: 0, unsent: lazy.unsent() }
      const relays = new Set(started.libp2p.getConnections()
        .filter((c) => c.status === 'open' && isRelay(c.remotePeer))
        .map((c) => c.remotePeer.toString())).size
      const members = started.members(identity)
      const direct = members.filter((m) => m.direct).length
      const state = direct > 0 ? 'direct' : relays > 0 ? 'relayed' : 'offline'
      return { state, relays, peers: members.length, direct, unsent: lazy.unsent() }
    },
    stop: async () => { await (await node).stop() }
  }
}
