// Bundles the browser builds: dist/webxdc.js (classic script, IIFE) and
// dist/webxdc.esm.js (ES module exporting installWebxdc & co). Minified.
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
