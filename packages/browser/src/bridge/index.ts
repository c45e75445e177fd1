/**
 * @packageDocumentation
 *
 * `@rtmesh/browser/host`: the host side of the bridge between a webxdc
 * app's sandboxed frame (which has no network) and the host's realtime
 * node. Loads in browsers, Node and Electron alike: nothing here touches the
 * DOM or Node built-ins at load. The frame loads `dist/webxdc-bridge.js` as
 * its `webxdc.js`; the protocol is in `PROTOCOL.md` next to this file.
 *
 * @example
 * ```ts
 * import { attachFrame } from '@rtmesh/browser/host'
 *
 * const attached = attachFrame(iframe, { webxdc: node.webxdc(identity), updates, selfAddr, selfName })
 * iframe.src = appUrl
 * ```
 */
export { bridgeFrame } from './host.ts'
export type { BridgedFrame, BridgeDrops, BridgeLimits, BridgeOptions, BridgeStats } from './host.ts'
export { attachFrame } from './attach.ts'
export type { AttachedFrame, AttachOptions, BridgeableFrame } from './attach.ts'
export { emitterPort, messageData } from './port.ts'
export type { BridgeListener, BridgeMessageEvent, BridgePort, EmitterPort } from './port.ts'
export { frameBridge, listenForPort } from './frame.ts'
export type { FrameBridge, FrameBridgeOptions, FrameBridgeStatus, FrameWebxdc, ImportFilter, PortEvent, PortScope } from './frame.ts'
export { frameName, parseFrameName, parseFrameMessage, parseHostMessage, portMessage } from './protocol.ts'
export type { ChatFile, ChatMessage, FrameIdentity, FrameMessage, HostMessage, PortMessage } from './protocol.ts'
export { BRIDGE_VERSION, DEFAULT_FRAME_BYTES, DEFAULT_FRAME_MESSAGES, MAX_CHAT_REQUESTS, MAX_QUEUED_MESSAGES } from './constants.ts'
export type { UpdateService } from '../updates/service.ts'
