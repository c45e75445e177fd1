/**
 * The built frame script, `dist/webxdc-bridge.js`, run as a page would run
 * it (in a fresh realm with a stand-in window): it installs `window.webxdc`
 * with the identity of the frame's name, drops sends made before the port,
 * takes the port from the parent, carries data both ways, and says goodbye
 * on `pagehide`.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { runInContext, createContext } from 'node:vm'
import { MessageChannel } from 'node:worker_threads'
import { ChannelHandle, webxdcRealtime } from '@rtmesh/core/api'
import type { WebxdcRealtime } from '@rtmesh/core/api'
import { waitFor } from '@rtmesh/testkit'
import { bridgeFrame } from '../src/bridge/host.ts'
import { frameName, portMessage } from '../src/bridge/protocol.ts'
import type { UpdateService } from '../src/updates/service.ts'

function echoWebxdc (): WebxdcRealtime {
  let active: ChannelHandle | undefined
  return webxdcRealtime(() => active !== undefined, () => {
    const handle: ChannelHandle = new ChannelHandle({ send: (data) => { handle.dispatch(data) }, leave: () => {} }, () => { active = undefined })
    active = handle
    return handle
  })
}

const noUpdates: UpdateService = { send: () => {}, listen: () => ({ ready: Promise.resolve(), stop: () => {} }), all: () => [] }

type Listener = (event: unknown) => void

describe('dist/webxdc-bridge.js in a page', () => {
  it('installs window.webxdc, waits for the parent\'s port, carries data, says goodbye on pagehide', async () => {
    const script = await readFile(new URL('../dist/webxdc-bridge.js', import.meta.url), 'utf8')
    const parent = {}
    const listeners = new Map<string, Set<Listener>>([['message', new Set()], ['pagehide', new Set()]])
    const dispatch = (type: string, event: unknown): void => { for (const l of [...(listeners.get(type) ?? [])]) l(event) }
    const page = createContext({
      name: frameName({ selfAddr: 'ada@example.org', selfName: 'Ada' }),
      parent,
      addEventListener: (type: string, listener: Listener) => { listeners.get(type)?.add(listener) },
      removeEventListener: (type: string, listener: Listener) => { listeners.get(type)?.delete(listener) },
      document: {},
      console
    })
    runInContext('window = globalThis', page)
    runInContext(script, page)
    const app = (code: string): unknown => runInContext(code, page)
    assert.equal(app('JSON.stringify([webxdc.selfAddr, webxdc.selfName, typeof webxdc.joinRealtimeChannel, typeof webxdc.joinRealtimeSession])'),
      JSON.stringify(['ada@example.org', 'Ada', 'function', 'function']))
    app(`
      globalThis.got = []
      globalThis.channel = webxdc.joinRealtimeChannel()
      channel.setListener((data) => { got.push(Array.from(data)) })
      channel.send(new Uint8Array([9]))
    `)
    assert.equal(app('rtmesh.status().unsent'), 1)
    const { port1, port2 } = new MessageChannel()
    const host = bridgeFrame(port1, { webxdc: echoWebxdc(), updates: noUpdates, selfAddr: 'ada@example.org', selfName: 'Ada' })
    try {
      dispatch('message', { source: {}, data: portMessage(), ports: [port2] })
      assert.equal(app('rtmesh.status().state'), 'waiting', 'a port from anyone but the parent is ignored')
      dispatch('message', { source: parent, data: portMessage(), ports: [port2] })
      assert.equal(app('rtmesh.status().state'), 'connected')
      app('channel.send(new Uint8Array([1, 2, 3]))')
      await waitFor('the echo', () => app('got.length') === 1)
      assert.deepEqual(app('JSON.stringify(got)'), '[[1,2,3]]')
      dispatch('pagehide', {})
      await waitFor('the goodbye', () => host.closed)
      assert.equal(app('rtmesh.status().state'), 'closed')
    } finally {
      host.close()
    }
  })
})
