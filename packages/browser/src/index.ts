/**
 * @packageDocumentation
 *
 * `@rtmesh/browser`: the webxdc realtime API for real browsers. Pages join
 * the mesh through relays over WebSockets, reserve a circuit-relay slot,
 * and open direct WebRTC links to the other members of their channels;
 * frames flow through the relays until (and whenever) direct links cannot.
 *
 * Two ways to use it:
 * - `dist/webxdc.js`: one classic script that configures itself from
 *   `globalThis.rtmeshConfig` or the URL fragment
 *   (`#relay=…&secret=…&chat=…&app=…&name=…`); any webxdc app works unchanged.
 * - `installWebxdc(config)` from this module (ESM).
 *
 * @example
 * ```ts
 * import { installWebxdc } from '@rtmesh/browser'
 *
 * const { status } = installWebxdc({ relays: ['/dns4/relay.example/tcp/443/wss/p2p/12D3Koo…'], secret, chatId: 'chat', appId: 'app' })
 * const channel = window.webxdc.joinRealtimeChannel()
 * channel.setListener((data) => { … })
 * ```
 */
export { installWebxdc } from './install.ts'
export type { InstalledWebxdc, ConnectionStatus } from './install.ts'
export { createBrowserNode } from './node.ts'
export type { BrowserNodeOptions } from './node.ts'
export { configFromFragment } from './config.ts'
export type { WebxdcConfig } from './config.ts'
export { lazyWebxdc } from './lazy.ts'
export type { LazyWebxdc } from './lazy.ts'
export { attachFrame, bridgeFrame, emitterPort, frameBridge, frameName, listenForPort, messageData } from './bridge/index.ts'
export type {
  AttachedFrame, AttachOptions, BridgeableFrame, BridgedFrame, BridgeDrops, BridgeLimits, BridgeListener, BridgeMessageEvent, BridgeOptions,
  BridgePort, BridgeStats, ChatMessage, EmitterPort, FrameBridge, FrameBridgeOptions, FrameBridgeStatus, FrameIdentity, FrameWebxdc
} from './bridge/index.ts'
export { MeshUpdates } from './updates/mesh.ts'
export type { MeshUpdatesInit } from './updates/mesh.ts'
export type { UpdateService } from './updates/service.ts'
