/**
 * Entry of the classic-script build `dist/webxdc.js`: installs the webxdc
 * API from `globalThis.rtmeshConfig`, else from the URL fragment, and
 * exposes the handle as `globalThis.rtmesh` (status, node, updates, stop).
 * Without a usable configuration the page still gets the API minus realtime
 * (`installLocalWebxdc`: updates kept in the page), so that apps calling
 * `setUpdateListener` at load keep running.
 */
import { configFromFragment } from './config.ts'
import type { WebxdcConfig } from './config.ts'
import { installLocalWebxdc, installWebxdc } from './install.ts'
import type { InstalledWebxdc } from './install.ts'

const scope = globalThis as typeof globalThis & { rtmeshConfig?: WebxdcConfig, rtmesh?: InstalledWebxdc }
try {
  const config = scope.rtmeshConfig ?? configFromFragment(location.hash)
  if (config === undefined) {
    console.warn('rtmesh: no configuration (set globalThis.rtmeshConfig or #relay=…&secret=…&chat=…&app=…): realtime is unavailable, updates stay in this page')
  } else {
    scope.rtmesh = installWebxdc(config)
  }
} catch (err) {
  console.error('rtmesh:', err)
}
if (scope.rtmesh === undefined) installLocalWebxdc()
