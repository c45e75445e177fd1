/**
 * The drop-in script: one classic script within its size budget. The
 * bridge's frame script: small, classic, and without any network code.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'

/** Gzipped size budget of dist/webxdc-bridge.js: no libp2p inside (measured 3.9 KB when set). */
const BRIDGE_BUDGET_GZIP_BYTES = 20_000

/** Gzipped size budget of dist/webxdc.js: below the 200 KB a drop-in script may weigh, with room to notice growth (measured 176.8 KB when set). */
const BUDGET_GZIP_BYTES = 190_000

describe('dist/webxdc.js', () => {
  it(`stays within ${BUDGET_GZIP_BYTES} bytes gzipped`, async (t) => {
    const script = await readFile(new URL('../dist/webxdc.js', import.meta.url))
    const gzipped = gzipSync(script, { level: 9 }).byteLength
    t.diagnostic(`webxdc.js: ${script.byteLength} bytes, ${gzipped} bytes gzipped (budget ${BUDGET_GZIP_BYTES})`)
    assert.ok(gzipped <= BUDGET_GZIP_BYTES, `${gzipped} bytes gzipped exceeds the budget of ${BUDGET_GZIP_BYTES}`)
  })

  it('is a classic script: no module syntax at the top level', async () => {
    const script = (await readFile(new URL('../dist/webxdc.js', import.meta.url), 'utf8')).trim()
    assert.match(script, /^(\(\(\)=>\{|"use strict";\(\(\)=>\{)/)
    assert.doesNotMatch(script.slice(0, 200), /^\s*(import|export)\s/)
  })
})

describe('dist/webxdc-bridge.js', () => {
  it(`stays within ${BRIDGE_BUDGET_GZIP_BYTES} bytes gzipped, a classic script without network code`, async (t) => {
    const script = await readFile(new URL('../dist/webxdc-bridge.js', import.meta.url))
    const gzipped = gzipSync(script, { level: 9 }).byteLength
    t.diagnostic(`webxdc-bridge.js: ${script.byteLength} bytes, ${gzipped} bytes gzipped (budget ${BRIDGE_BUDGET_GZIP_BYTES})`)
    assert.ok(gzipped <= BRIDGE_BUDGET_GZIP_BYTES, `${gzipped} bytes gzipped exceeds the budget of ${BRIDGE_BUDGET_GZIP_BYTES}`)
    const source = script.toString('utf8').trim()
    assert.match(source, /^(\(\(\)=>\{|"use strict";\(\(\)=>\{)/)
    // RTCPeerConnection is named only to take it away (no-webrtc.ts): nothing negotiates a connection
    for (const network of ['createOffer', 'createDataChannel', 'setLocalDescription', 'WebSocket', 'fetch(', 'XMLHttpRequest', 'libp2p']) {
      assert.ok(!source.includes(network), `the bridge script mentions ${network}`)
    }
  })
})
