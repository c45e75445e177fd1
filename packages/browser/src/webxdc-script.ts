/**
 * Entry of the classic-script build `dist/webxdc.js`: installs the realtime
 * API from `globalThis.rtmeshConfig`, else from the URL fragment, and
 * exposes the handle as `globalThis.rtmesh` (status, node, stop).
 */
import { configFromFragment, installWebxdc } from './index.ts'
import type { InstalledWebxdc, WebxdcConfig } from './index.ts'

const scope = globalThis as typeof globalThis & { rtmeshConfig?: WebxdcConfig, rtmesh?: InstalledWebxdc }
try {
  const config = scope.rtmeshConfig ?? configFromFragment(location.hash)
  if (config === undefined) {
    console.warn('rtmesh: no configuration (set globalThis.rtmeshConfig or #relay=…&secret=…&chat=…&app=…): realtime is unavailable')
  } else {
    scope.rtmesh = installWebxdc(config)
  }
} catch (err) {
  console.error('rtmesh:', err)
}
