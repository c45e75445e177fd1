/**
 * `attachFrame`: bridges an `<iframe>` of a web messenger to its pair, anew
 * for every document the frame loads. Uses the DOM only when called, so the
 * module loads anywhere.
 */
import { bridgeFrame } from './host.ts'
import type { BridgedFrame, BridgeOptions } from './host.ts'
import { frameName, portMessage } from './protocol.ts'

/** The parts of an `<iframe>` element `attachFrame` uses. */
export interface BridgeableFrame {
  name: string
  readonly contentWindow: { postMessage: (message: unknown, targetOrigin: string, transfer: MessagePort[]) => void } | null
  addEventListener: (type: 'load', listener: () => void) => void
  removeEventListener: (type: 'load', listener: () => void) => void
}

export interface AttachOptions {
  /**
   * Origin the port is posted to. Default `'*'`: sandboxed frames have an
   * opaque origin, which no other value matches; give the app's origin when
   * it has a real one.
   */
  targetOrigin?: string
}

export interface AttachedFrame {
  /** The bridge of the document loaded now (none before the first `load`, or after `detach()`). */
  readonly current: BridgedFrame | undefined
  /** Stops bridging: closes the current bridge (leaving its channel) and ignores later loads; idempotent. */
  detach: () => void
}

/**
 * Writes the identity into `iframe.name` (call this before setting the
 * frame's `src`: the frame reads its name when its script runs), then on
 * every `load` (a reload is a new document) closes the previous bridge,
 * opens a `MessageChannel`, serves one end with `bridgeFrame` and posts the
 * other to the frame's window.
 *
 * @example
 * ```ts
 * const iframe = document.createElement('iframe')
 * iframe.sandbox.add('allow-scripts')
 * const attached = attachFrame(iframe, { webxdc: node.webxdc(identity), updates, selfAddr, selfName })
 * iframe.src = appUrl
 * document.body.append(iframe)
 * // later: attached.detach()
 * ```
 */
export function attachFrame (iframe: BridgeableFrame, binding: BridgeOptions, options: AttachOptions = {}): AttachedFrame {
  const targetOrigin = options.targetOrigin ?? '*'
  iframe.name = frameName(binding)
  let current: BridgedFrame | undefined
  let detached = false
  const onLoad = (): void => {
    current?.close()
    current = undefined
    const target = iframe.contentWindow
    if (target === null) return
    const { port1, port2 } = new MessageChannel()
    current = bridgeFrame(port1, binding)
    target.postMessage(portMessage(), targetOrigin, [port2])
  }
  iframe.addEventListener('load', onLoad)
  return {
    get current () { return current },
    detach: () => {
      if (detached) return
      detached = true
      iframe.removeEventListener('load', onLoad)
      current?.close()
      current = undefined
    }
  }
}
