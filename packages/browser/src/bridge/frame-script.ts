/**
 * Entry of the classic-script build `dist/webxdc-bridge.js`, the
 * `webxdc.js` of an app that runs in a host's sandboxed frame: takes WebRTC
 * away from the app's documents (`no-webrtc.ts`), installs
 * `window.webxdc` carried over the port the host posts (`frame.ts`), reads
 * the identity from the frame's name, says goodbye on `pagehide`, and
 * exposes `window.rtmesh.status()`.
 */
import { frameBridge, listenForPort } from './frame.ts'
import type { FrameBridgeStatus, FrameWebxdc } from './frame.ts'
import { parseFrameName } from './protocol.ts'
import { importFiles } from '../updates/files.ts'
import { blockWebRtc } from './no-webrtc.ts'

// first, before any app code runs: no WebRTC for the app (no-webrtc.ts)
const blockStart = Date.now()
const webrtcBlocked = { connections: blockWebRtc(window as unknown as Record<string, unknown>), ms: 0 }
webrtcBlocked.ms = Date.now() - blockStart

const globals = window as typeof window & { webxdc?: FrameWebxdc, rtmesh?: { status: () => FrameBridgeStatus, webrtcBlocked: { connections: number, ms: number } } }
const identity = parseFrameName(window.name)
if (identity === undefined) console.warn('rtmesh bridge: the frame\'s name carries no identity; selfAddr and selfName are placeholders until the host connects')
const bridge = frameBridge({ ...(identity === undefined ? {} : { identity }), importFiles: async (filter) => await importFiles(filter, document) })
globals.webxdc = bridge.webxdc
globals.rtmesh = { status: bridge.status, webrtcBlocked }
listenForPort(window, bridge.connect)
window.addEventListener('pagehide', () => { bridge.close() })
