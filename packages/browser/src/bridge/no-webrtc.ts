/**
 * Takes WebRTC away from an app frame's documents. Content Security Policy
 * cannot (Chromium does not know CSP's `webrtc` directive), and replacing
 * the constructors alone is not enough: a nested frame brings fresh ones.
 * So, as Delta Chat does, the frame fills the renderer process's quota of
 * RTCPeerConnections (500 in Chromium) and keeps them, then makes the
 * constructors throw. Every document of the app, nested frames included,
 * lives in that process; the host page does not (Chromium isolates
 * sandboxed frames), so the host keeps its own WebRTC.
 */

/** Most connections tried (above Chromium's quota of 500). */
const MAX_HELD = 1_000
/** Held for the life of the frame's document, so the quota stays used. */
const held: unknown[] = []

type Scope = Record<string, unknown>

/** Returns how many connections were held before the browser refused more. */
export function blockWebRtc (scope: Scope): number {
  const Connection = scope.RTCPeerConnection
  if (typeof Connection === 'function') {
    try {
      while (held.length < MAX_HELD) held.push(Reflect.construct(Connection, []))
    } catch {
      // the quota is used up: what the app would meet too
    }
  }
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCIceTransport', 'RTCSctpTransport']) {
    if (!(name in scope)) continue
    Object.defineProperty(scope, name, {
      configurable: false,
      enumerable: false,
      get: () => function blocked () { throw new DOMException('WebRTC is not available to webxdc apps', 'NotSupportedError') }
    })
  }
  return held.length
}
