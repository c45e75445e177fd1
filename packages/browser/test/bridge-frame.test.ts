/**
 * The frame side of the bridge against a raw port (the test plays the
 * host): webxdc's rules hold synchronously in the frame, bytes leave in a
 * buffer of their own, sends before the port are dropped and counted while
 * updates and the join wait for it, the port is taken only from the parent
 * and only once, the identity comes from the frame's name, and the goodbye.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { ReceivedStatusUpdate, Webxdc } from '@webxdc/types'
import { ChannelActiveError, ChannelClosedError, MessageTooLargeError } from '@rtmesh/core/api'
import { bytes, record, text, waitFor } from '@rtmesh/testkit'
import { frameBridge, listenForPort } from '../src/bridge/frame.ts'
import type { FrameBridge, PortEvent, PortScope } from '../src/bridge/frame.ts'
import type { BridgePort } from '../src/bridge/port.ts'
import { frameName, parseFrameName, portMessage } from '../src/bridge/protocol.ts'
import type { FrameMessage, HostMessage } from '../src/bridge/protocol.ts'
import { SEND_UPDATE_INTERVAL_MS, SEND_UPDATE_MAX_SIZE } from '../src/updates/service.ts'

const identity = { selfAddr: 'ada@example.org', selfName: 'Ada' }

/** A port pair: `frame` for the bridge, the other end recorded and driven by the test. */
interface RawHost {
  frame: BridgePort
  /** Everything the frame posted, in order. */
  got: unknown[]
  post: (message: HostMessage, transfer?: ArrayBuffer[]) => void
  close: () => void
}

function rawHost (): RawHost {
  const { port1, port2 } = new MessageChannel()
  const got: unknown[] = []
  port1.on('message', (value: unknown) => { got.push(value) })
  return {
    frame: port2,
    got,
    post: (message, transfer = []) => { port1.postMessage(message, transfer) },
    close: () => { port1.close() }
  }
}

/** The messages of `type` the host end got. */
function ofType<T extends FrameMessage['type']> (got: unknown[], type: T): Array<Extract<FrameMessage, { type: T }>> {
  return got.filter((m): m is Extract<FrameMessage, { type: T }> => (m as { type?: unknown }).type === type)
}

function types (got: unknown[]): unknown[] {
  return got.map((m) => (m as { type?: unknown }).type)
}

async function connected (): Promise<{ bridge: FrameBridge, host: RawHost }> {
  const host = rawHost()
  const bridge = frameBridge({ identity })
  bridge.connect(host.frame)
  return await Promise.resolve({ bridge, host })
}

describe('bridge, frame side', () => {
  it('keeps the webxdc rules synchronously: double join, sizes, types, listener replaced, leave', async () => {
    const { bridge, host } = await connected()
    const { webxdc } = bridge
    try {
      const channel = webxdc.joinRealtimeChannel()
      assert.throws(() => webxdc.joinRealtimeChannel(), ChannelActiveError)
      assert.equal(webxdc.joinRealtimeSession(() => {}), null)
      assert.throws(() => { channel.send(new Uint8Array(128_001)) }, MessageTooLargeError)
      assert.throws(() => { channel.send('text' as unknown as Uint8Array) }, TypeError)
      assert.throws(() => { channel.send([1, 2] as unknown as Uint8Array) }, TypeError)
      assert.throws(() => { channel.setListener('no' as unknown as () => void) }, TypeError)
      channel.send(new Uint8Array(128_000))
      const first = record(channel)
      const second = record(channel)
      host.post({ type: 'data', ch: 1, data: bytes('to the second').buffer as ArrayBuffer })
      await waitFor('the data', () => second.length === 1)
      assert.equal(first.length, 0, 'setListener replaces the previous listener')
      channel.leave()
      channel.leave()
      assert.throws(() => { channel.send(bytes('x')) }, ChannelClosedError)
      assert.throws(() => { channel.setListener(() => {}) }, ChannelClosedError)
      const again = webxdc.joinRealtimeChannel()
      const heard = record(again)
      host.post({ type: 'data', ch: 1, data: bytes('for the old join').buffer as ArrayBuffer })
      host.post({ type: 'data', ch: 2, data: bytes('for the new join').buffer as ArrayBuffer })
      await waitFor('the new join\'s data', () => heard.length === 1)
      assert.deepEqual(heard.map(text), ['for the new join'])
      again.leave()
      const heardBySession: Uint8Array[] = []
      const session = webxdc.joinRealtimeSession((data) => { heardBySession.push(data) })
      assert.ok(session)
      assert.equal(webxdc.joinRealtimeSession(() => {}), null)
      assert.throws(() => webxdc.joinRealtimeChannel(), ChannelActiveError)
      host.post({ type: 'data', ch: 3, data: bytes('session').buffer as ArrayBuffer })
      await waitFor('the session\'s data', () => heardBySession.length === 1)
      session.leave()
      await waitFor('the last leave', () => ofType(host.got, 'leave').length === 3)
      assert.deepEqual(types(host.got), ['join', 'send', 'leave', 'join', 'leave', 'join', 'leave'])
      assert.deepEqual(ofType(host.got, 'join').map((m) => m.ch), [1, 2, 3])
    } finally {
      bridge.close()
      host.close()
    }
  })

  it('posts bytes exactly, in a transferred buffer of their own (a view sends only its bytes)', async () => {
    const { bridge, host } = await connected()
    try {
      const channel = bridge.webxdc.joinRealtimeChannel()
      const backing = new Uint8Array(64).map((_, i) => i)
      const view = backing.subarray(10, 20)
      const empty = new Uint8Array(0)
      const large = new Uint8Array(128_000).map((_, i) => (i * 7) & 0xff)
      for (const data of [view, empty, large]) channel.send(data)
      assert.equal(backing.byteLength, 64, 'the app keeps its buffer (a copy is transferred)')
      await waitFor('three sends', () => ofType(host.got, 'send').length === 3)
      const sent = ofType(host.got, 'send').map((m) => m.data)
      assert.ok(sent.every((b) => b instanceof ArrayBuffer))
      assert.deepEqual(sent.map((b) => [...new Uint8Array(b)]), [[...view], [], [...large]])
      host.post({ type: 'data', ch: 1, data: new Uint8Array([0, 255, 1]).buffer })
      const got = record(channel)
      await waitFor('data', () => got.length === 1)
      assert.deepEqual([...(got[0] ?? [])], [0, 255, 1])
    } finally {
      bridge.close()
      host.close()
    }
  })

  it('drops and counts sends before the port; the join, updates, listener and requests wait for it', async () => {
    const host = rawHost()
    const bridge = frameBridge({ identity })
    try {
      const channel = bridge.webxdc.joinRealtimeChannel()
      for (let i = 0; i < 5; i++) channel.send(bytes(`early ${i}`))
      bridge.webxdc.sendUpdate({ payload: { n: 1 }, info: 'one' }, '')
      const listened = bridge.webxdc.setUpdateListener(() => {}, 3)
      const all = bridge.webxdc.getAllUpdates()
      assert.deepEqual(bridge.status(), { state: 'waiting', unsent: 5, undelivered: 0 })
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(host.got, [], 'nothing crosses before the port')
      bridge.connect(host.frame)
      await waitFor('the synced state', () => host.got.length === 4)
      assert.deepEqual(types(host.got), ['join', 'update', 'listen', 'getAll'])
      assert.deepEqual(ofType(host.got, 'update').map((m) => JSON.parse(m.json) as unknown), [{ payload: { n: 1 }, info: 'one' }])
      const listen = ofType(host.got, 'listen')[0]
      assert.equal(listen?.since, 3)
      host.post({ type: 'ready', id: listen.id })
      await listened
      const getAll = ofType(host.got, 'getAll')[0]
      assert.ok(getAll)
      const update: ReceivedStatusUpdate<unknown> = { payload: 1, serial: 1, max_serial: 1 }
      host.post({ type: 'all', id: getAll.id, updates: [update] })
      assert.deepEqual(await all, [update])
      channel.send(bytes('now'))
      await waitFor('the send after the port', () => ofType(host.got, 'send').length === 1)
      assert.equal(bridge.status().unsent, 5)
      assert.equal(bridge.status().state, 'connected')
    } finally {
      bridge.close()
      host.close()
    }
  })

  it('throws what sendUpdate throws at once; the update API\'s constants and identity', async () => {
    const { bridge, host } = await connected()
    const { webxdc } = bridge
    try {
      const send = webxdc.sendUpdate as (update: unknown, description: string) => void
      assert.throws(() => { send({ info: 'no payload' }, '') }, TypeError)
      assert.throws(() => { send(null, '') }, TypeError)
      assert.throws(() => { send({ payload: 1, info: 3 }, '') }, TypeError)
      assert.throws(() => { send({ payload: 1, notify: { a: 1 } }, '') }, TypeError)
      assert.throws(() => { send({ payload: 10n }, '') }, TypeError)
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      assert.throws(() => { send({ payload: cyclic }, '') }, TypeError)
      assert.throws(() => { send({ payload: 'x'.repeat(SEND_UPDATE_MAX_SIZE) }, '') }, RangeError)
      assert.throws(() => { send({ payload: 'é'.repeat(SEND_UPDATE_MAX_SIZE / 2) }, '') }, RangeError, 'measured in UTF-8 bytes')
      send({ payload: null }, '')
      await assert.rejects(webxdc.setUpdateListener('x' as unknown as () => void), TypeError)
      await assert.rejects(webxdc.setUpdateListener(() => {}, -1), TypeError)
      await assert.rejects(webxdc.sendToChat({}), TypeError)
      await assert.rejects(webxdc.importFiles({}), /not available/)
      assert.equal(webxdc.sendUpdateMaxSize, SEND_UPDATE_MAX_SIZE)
      assert.equal(webxdc.sendUpdateInterval, SEND_UPDATE_INTERVAL_MS)
      assert.equal(webxdc.selfAddr, identity.selfAddr)
      assert.equal(webxdc.selfName, identity.selfName)
      const asWebxdc: Webxdc<unknown> = webxdc // the frame's object is webxdc's Webxdc
      assert.equal(typeof asWebxdc.joinRealtimeChannel, 'function')
      await waitFor('the valid update', () => ofType(host.got, 'update').length === 1)
      assert.deepEqual(ofType(host.got, 'update').map((m) => m.json), ['{"payload":null}'])
    } finally {
      bridge.close()
      host.close()
    }
  })

  it('hands updates to the current listener only; a replaced listener\'s promise resolves; requests settle', async () => {
    const { bridge, host } = await connected()
    try {
      const first: unknown[] = []
      const second: unknown[] = []
      const firstReady = bridge.webxdc.setUpdateListener((u) => { first.push(u.payload) })
      const secondReady = bridge.webxdc.setUpdateListener((u) => { second.push(u.payload) })
      await firstReady // resolved by the replacement
      await waitFor('two listens', () => ofType(host.got, 'listen').length === 2)
      const [l1, l2] = ofType(host.got, 'listen')
      assert.ok(l1 && l2)
      host.post({ type: 'update', id: l1.id, update: { payload: 'old', serial: 1, max_serial: 1 } })
      host.post({ type: 'update', id: l2.id, update: { payload: 'new', serial: 1, max_serial: 1 } })
      host.post({ type: 'ready', id: l2.id })
      await secondReady
      assert.deepEqual(first, [])
      assert.deepEqual(second, ['new'], 'the known updates came before the promise resolved')
      const ok = bridge.webxdc.sendToChat({ text: 'hi', file: { name: 'a.txt', plainText: 'A' } })
      const refused = assert.rejects(bridge.webxdc.sendToChat({ text: 'no' }), /the user said no/)
      await waitFor('two requests', () => ofType(host.got, 'sendToChat').length === 2)
      const [r1, r2] = ofType(host.got, 'sendToChat')
      assert.ok(r1 && r2)
      assert.deepEqual(r1.message, { text: 'hi', file: { name: 'a.txt', plainText: 'A' } })
      host.post({ type: 'result', id: r2.id, error: 'the user said no' })
      host.post({ type: 'result', id: r1.id })
      await ok
      await refused
    } finally {
      bridge.close()
      host.close()
    }
  })

  it('a listener that throws is reported and delivery goes on; the host\'s garbage is ignored', async () => {
    const host = rawHost()
    const errors: unknown[] = []
    const bridge = frameBridge({ identity, onListenerError: (err) => { errors.push(err) } })
    bridge.connect(host.frame)
    try {
      const channel = bridge.webxdc.joinRealtimeChannel()
      const got: string[] = []
      channel.setListener((data) => {
        got.push(text(data))
        if (got.length === 1) throw new Error('app bug')
      })
      const port = host as unknown as { post: (message: unknown) => void }
      for (const junk of [null, 'data', { type: 'data', ch: 1, data: [1, 2] }, { type: 'data', ch: 1 }, { type: 'nope' }]) port.post(junk)
      host.post({ type: 'data', ch: 1, data: bytes('one').buffer as ArrayBuffer })
      host.post({ type: 'data', ch: 1, data: bytes('two').buffer as ArrayBuffer })
      await waitFor('both', () => got.length === 2)
      assert.deepEqual(got, ['one', 'two'])
      assert.equal(errors.length, 1)
    } finally {
      bridge.close()
      host.close()
    }
  })

  it('says goodbye on close; later sends are dropped and counted, later requests rejected', async () => {
    const { bridge, host } = await connected()
    const channel = bridge.webxdc.joinRealtimeChannel()
    bridge.close()
    bridge.close()
    await waitFor('the goodbye', () => ofType(host.got, 'bye').length === 1)
    assert.deepEqual(types(host.got), ['join', 'bye'])
    channel.send(bytes('after'))
    bridge.webxdc.sendUpdate({ payload: 1 }, '')
    await assert.rejects(bridge.webxdc.getAllUpdates(), /not connected/)
    assert.deepEqual(bridge.status(), { state: 'closed', unsent: 1, undelivered: 2 })
    const other = rawHost()
    bridge.connect(other.frame)
    assert.equal(bridge.status().state, 'closed', 'a closed bridge takes no other port')
    other.close()
    host.close()
  })

  it('takes the port only from the parent window, only once', () => {
    const parent = {}
    const listeners = new Set<(event: PortEvent) => void>()
    const scope: PortScope = {
      parent,
      addEventListener: (_type, listener) => { listeners.add(listener) },
      removeEventListener: (_type, listener) => { listeners.delete(listener) }
    }
    const dispatch = (event: PortEvent): void => { for (const l of [...listeners]) l(event) }
    const ports: BridgePort[] = []
    listenForPort(scope, (port) => { ports.push(port) })
    const { port1, port2 } = new MessageChannel()
    try {
      dispatch({ source: {}, data: portMessage(), ports: [port1] }) // another frame, or the app itself
      dispatch({ source: parent, data: { rtmesh: 'port', v: 99 }, ports: [port1] })
      dispatch({ source: parent, data: { rtmesh: 'port' }, ports: [port1] })
      dispatch({ source: parent, data: portMessage(), ports: [] })
      assert.equal(ports.length, 0)
      dispatch({ source: parent, data: portMessage(), ports: [port1] })
      assert.deepEqual(ports, [port1])
      dispatch({ source: parent, data: portMessage(), ports: [port2] })
      assert.deepEqual(ports, [port1], 'only once')
      assert.equal(listeners.size, 0, 'stops listening once it has the port')
    } finally {
      port1.close()
    }
  })

  it('reads the identity from the frame\'s name; without one, takes the host\'s hello', async () => {
    const name = frameName({ selfAddr: 'a"b', selfName: 'Ünïcode ✓' })
    assert.deepEqual(parseFrameName(name), { selfAddr: 'a"b', selfName: 'Ünïcode ✓' })
    for (const bad of ['', 'app', '{}', '[]', 'null', '{"rtmesh":1,"selfAddr":"a"}', '{"rtmesh":2,"selfAddr":"a","selfName":"b"}', '{"rtmesh":1,"selfAddr":1,"selfName":"b"}']) {
      assert.equal(parseFrameName(bad), undefined, bad)
    }
    const host = rawHost()
    const bridge = frameBridge()
    assert.match(bridge.webxdc.selfAddr, /^rtmesh-[0-9a-f]{16}$/, 'a placeholder until the host says hello')
    bridge.connect(host.frame)
    host.post({ type: 'hello', selfAddr: 'bob@example.org', selfName: 'Bob' })
    await waitFor('the hello', () => bridge.webxdc.selfAddr === 'bob@example.org')
    assert.equal(bridge.webxdc.selfName, 'Bob')
    bridge.close()
    host.close()
  })
})
