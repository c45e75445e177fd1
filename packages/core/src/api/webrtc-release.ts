/**
 * Lets a Node process with WebRTC nodes exit. node-datachannel (WebRTC in
 * Node) runs native threads that keep the process alive while any of its
 * peer connections or data channels is open, and libp2p's WebRTC transport
 * sometimes leaves a data channel open after `stop()` (js-libp2p#2625,
 * node-datachannel#349): a stopped host would then never exit. Its
 * `cleanup()` closes every one of them in the process, so it runs when the
 * last WebRTC node this package created in the process has stopped (other
 * users of node-datachannel in the same process are closed too then).
 */
import type { Libp2p } from '@libp2p/interface'

let running = 0

/** Counts `libp2p` (a node with the WebRTC transport) until it stops. */
export function releaseWebrtcOnStop (libp2p: Libp2p): void {
  running++
  libp2p.addEventListener('stop', () => {
    running--
    if (running > 0) return
    import('node-datachannel').then(({ cleanup }) => { if (running === 0) cleanup() }, () => {})
  }, { once: true })
}
