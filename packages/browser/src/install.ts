/**
 * `installWebxdc`: puts the webxdc API of one chat-and-app pair on
 * `window.webxdc`: realtime channels backed by a browser realtime node, and,
 * where the page has no messenger's own, status updates shared over the mesh
 * (`updates/mesh.ts`), `sendToChat` and `importFiles` (`updates/files.ts`).
 * `installLocalWebxdc` installs the same without a node: updates stay in the
 * page, and there is no realtime channel.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { configuredRelays } from '@rtmesh/core/portable'
import type { RealtimeNode, WebxdcRealtime } from '@rtmesh/core/portable'
import type { Webxdc } from '@webxdc/types'
import { checkConfig } from './config.ts'
import type { WebxdcConfig } from './config.ts'
import { lazyWebxdc } from './lazy.ts'
import { createBrowserNode } from './node.ts'
import { importFiles, sendToChat } from './updates/files.ts'
import { webxdcUpdateApi } from './updates/local-api.ts'
import type { WebxdcUpdateApi } from './updates/local-api.ts'
import { MeshUpdates } from './updates/mesh.ts'
import type { UpdateService } from './updates/service.ts'
import { UpdateStore } from './updates/store.ts'

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

/** The webxdc API without realtime: what a page gets without a node (`installLocalWebxdc`). */
export type LocalWebxdcApi = WebxdcUpdateApi & Pick<Webxdc<unknown>, 'selfAddr' | 'selfName' | 'sendToChat' | 'importFiles'>

/** The whole webxdc API, as installed on `window.webxdc`. */
export type WebxdcApi = WebxdcRealtime & LocalWebxdcApi

export interface InstalledWebxdc {
  /** The object installed as (or merged into) `window.webxdc`. */
  webxdc: WebxdcApi
  /** Resolves with the node once it has started and dialled its relays. */
  node: Promise<RealtimeNode>
  status: () => ConnectionStatus
  /**
   * The updates shared over the mesh behind `sendUpdate` and
   * `setUpdateListener` (its `stats()` counts what crossed the mesh), or
   * `undefined` when the page's own webxdc object has an update API. It
   * joins its channel on the app's first use of the update API.
   */
  updates: MeshUpdates | undefined
  /** Leaves the channels and stops the node. */
  stop: () => Promise<void>
}

interface WebxdcHost { webxdc?: Record<string, unknown> }

function randomAddr (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return `rtmesh-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** True if a messenger's webxdc object brings its own update API (then ours is not installed). */
function hasUpdateApi (existing: Record<string, unknown>): boolean {
  return typeof existing.sendUpdate === 'function' || typeof existing.setUpdateListener === 'function'
}

/**
 * What is added to a page's webxdc object besides realtime: `selfAddr`,
 * `selfName`, `sendToChat` and `importFiles` where missing, and the update
 * API over `updates` unless the object has its own. Never replaces a
 * messenger's own members.
 */
function localMembers (existing: Record<string, unknown>, names: { selfAddr?: string | undefined, selfName?: string | undefined }, updates: UpdateService | undefined): Record<string, unknown> {
  const selfAddr = typeof existing.selfAddr === 'string' ? existing.selfAddr : (names.selfAddr ?? randomAddr())
  const selfName = typeof existing.selfName === 'string' ? existing.selfName : (names.selfName ?? selfAddr)
  const members: Record<string, unknown> = { selfAddr, selfName }
  if (typeof existing.sendToChat !== 'function') members.sendToChat = sendToChat
  if (typeof existing.importFiles !== 'function') members.importFiles = importFiles
  if (updates !== undefined) Object.assign(members, webxdcUpdateApi(updates))
  return members
}

/**
 * Installs the webxdc API without a node, for a page that has no
 * configuration: status updates are kept in this page only (its own updates
 * reach its own listener), `sendToChat` and `importFiles` work as with
 * {@link installWebxdc}, and there is no `joinRealtimeChannel`. Members of an
 * existing webxdc object are kept.
 */
export function installLocalWebxdc (names: { selfAddr?: string, selfName?: string } = {}, target: WebxdcHost = globalThis as WebxdcHost): LocalWebxdcApi {
  const existing = target.webxdc ?? {}
  const updates = hasUpdateApi(existing) ? undefined : new UpdateStore()
  const webxdc = Object.assign(existing, localMembers(existing, names, updates))
  target.webxdc = webxdc
  return webxdc as unknown as LocalWebxdcApi
}

/**
 * Creates the node and installs `joinRealtimeChannel` and
 * `joinRealtimeSession` on `window.webxdc`, creating the object if the page
 * has none. Members the object lacks are added: `selfAddr`, `selfName`,
 * `sendToChat`, `importFiles`, and the update API (`sendUpdate`,
 * `setUpdateListener`, `getAllUpdates`, `sendUpdateInterval`,
 * `sendUpdateMaxSize`) shared over the mesh, unless the object has an update
 * API of its own. Returns at once; the channels bind to the node when it is
 * ready, and updates sent before are kept.
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
  const updates = hasUpdateApi(existing) ? undefined : new MeshUpdates(node, identity, { onError })
  // the update service joins its channel on the app's first use of the update API
  const members = localMembers(existing, config, updates)
  const webxdc = Object.assign(existing, members, lazy.webxdc) as unknown as WebxdcApi
  target.webxdc = webxdc as unknown as Record<string, unknown>
  const isRelay = configuredRelays(config.relays.map((r) => multiaddr(r)))

  return {
    webxdc,
    node,
    updates,
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
    stop: async () => {
      updates?.stop()
      await (await node).stop()
    }
  }
}
