// Bundles the browser builds: dist/webxdc.js (classic script, IIFE) and
// dist/webxdc.esm.js (ES module exporting installWebxdc & co), the bridge's
// frame script dist/webxdc-bridge.js (classic script, no libp2p) and its host
// side dist/host.js (ES module for browsers, Node and Electron; packages stay
// imports). Minified.
import { build } from 'esbuild'

const common = {
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  platform: 'browser',
  target: 'es2022',
  conditions: ['development', 'browser'],
  legalComments: 'none',
  logLevel: 'warning'
}
await build({ ...common, entryPoints: ['src/webxdc-script.ts'], format: 'iife', outfile: 'dist/webxdc.js' })
await build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/webxdc.esm.js' })
await build({ ...common, entryPoints: ['src/bridge/frame-script.ts'], format: 'iife', outfile: 'dist/webxdc-bridge.js' })
await build({ ...common, entryPoints: ['src/bridge/index.ts'], format: 'esm', platform: 'neutral', packages: 'external', outfile: 'dist/host.js' })
await build({ ...common, entryPoints: ['src/xdc-host.ts'], format: 'iife', outfile: 'dist/xdc-host.js' })
