/**
 * The update API without a network: serials and `max_serial`, the
 * `setUpdateListener` promise and its serial argument, own updates heard by
 * the own listener, what `sendUpdate` refuses (synchronously), the log's
 * bounds, the wire parser (fuzzed), `sendToChat` and `importFiles`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ReceivedStatusUpdate } from '@webxdc/types'
import { FUZZ_MS, FUZZ_SEED, fuzzInput, fuzzLoop, mustNotThrow, prngFor } from '@rtmesh/testkit'
import { installLocalWebxdc } from '../src/install.ts'
import { InvalidUpdateError, UpdateTooLargeError } from '../src/updates/errors.ts'
import { importFiles, pickerOptions, sendToChat } from '../src/updates/files.ts'
import { webxdcUpdateApi } from '../src/updates/local-api.ts'
import { UpdateLog } from '../src/updates/log.ts'
import { SEND_UPDATE_MAX_SIZE } from '../src/updates/service.ts'
import { UpdateStore } from '../src/updates/store.ts'
import { checkOwnUpdate, encodeLog, encodeSync, encodeUpdate, logEntryBytes, LOG_OVERHEAD_BYTES, newUpdateId, parseUpdatesMessage } from '../src/updates/wire.ts'
import type { UpdatesMessage } from '../src/updates/wire.ts'

type Update = ReceivedStatusUpdate<unknown>

/** An update API over a store with no transport, and the errors its listeners threw. */
function localApi (): { api: ReturnType<typeof webxdcUpdateApi>, store: UpdateStore, errors: unknown[] } {
  const errors: unknown[] = []
  const store = new UpdateStore({ onError: (err) => { errors.push(err) } })
  return { api: webxdcUpdateApi(store), store, errors }
}

const payloads = (updates: Update[]): unknown[] => updates.map((u) => u.payload)
const summary = (updates: Update[]): Array<[number, number, unknown]> => updates.map((u) => [u.serial, u.max_serial, u.payload])

describe('update API', () => {
  it('numbers updates from 1 in arrival order; max_serial is the highest known when handed over', async () => {
    const { api } = localApi()
    for (const n of [1, 2, 3]) api.sendUpdate({ payload: n, info: `info ${n}` }, '')
    const got: Update[] = []
    await api.setUpdateListener((u) => { got.push(u) })
    assert.deepEqual(summary(got), [[1, 3, 1], [2, 3, 2], [3, 3, 3]])
    assert.equal(got[0]?.info, 'info 1')
    api.sendUpdate({ payload: 4 }, '')
    await Promise.resolve()
    assert.deepEqual(summary(got.slice(3)), [[4, 4, 4]])
    assert.deepEqual(summary(await api.getAllUpdates()), [[1, 4, 1], [2, 4, 2], [3, 4, 3], [4, 4, 4]])
  })

  it('setUpdateListener resolves once the known updates were delivered; its serial skips the known ones', async () => {
    const { api } = localApi()
    for (const n of [1, 2, 3, 4]) api.sendUpdate({ payload: n }, '')
    const got: Update[] = []
    const ready = api.setUpdateListener((u) => { got.push(u) }, 2)
    assert.deepEqual(got, [], 'nothing is delivered inside the call')
    await ready
    assert.deepEqual(summary(got), [[3, 4, 3], [4, 4, 4]], 'serial 2: updates 3 and 4 only')
    // an empty log resolves too
    await localApi().api.setUpdateListener(() => {})
    // a serial above every known one delivers nothing until a new update comes
    const later: Update[] = []
    await api.setUpdateListener((u) => { later.push(u) }, 4)
    assert.deepEqual(later, [])
    api.sendUpdate({ payload: 5 }, '')
    await Promise.resolve()
    assert.deepEqual(summary(later), [[5, 5, 5]])
    assert.deepEqual(summary(got), [[3, 4, 3], [4, 4, 4]], 'the replaced listener hears nothing more')
  })

  it('own updates reach the own listener, asynchronously and as copies', async () => {
    const { api, errors } = localApi()
    const got: Update[] = []
    await api.setUpdateListener((u) => {
      got.push(u)
      if (u.payload === 'throw') throw new Error('listener failed')
    })
    const payload = { list: ['a'] }
    api.sendUpdate({ payload, summary: 'one item', extra: 'dropped' } as unknown as Parameters<typeof api.sendUpdate>[0], '')
    payload.list.push('changed after sending')
    assert.deepEqual(got, [], 'not called from inside sendUpdate')
    await Promise.resolve()
    assert.deepEqual(got, [{ payload: { list: ['a'] }, summary: 'one item', serial: 1, max_serial: 1 }])
    api.sendUpdate({ payload: 'throw' }, '')
    api.sendUpdate({ payload: 'after' }, '')
    await Promise.resolve()
    assert.deepEqual(payloads(got), [{ list: ['a'] }, 'throw', 'after'], 'a throwing listener does not stop delivery')
    assert.equal(errors.length, 1)
  })

  it('sendUpdate throws synchronously for updates too large, not serializable or malformed, and records none of them', () => {
    const { api, store } = localApi()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    // {"payload":"…"} is 14 bytes around the string
    const fits = 'x'.repeat(SEND_UPDATE_MAX_SIZE - 14)
    api.sendUpdate({ payload: fits }, '')
    assert.throws(() => { api.sendUpdate({ payload: fits + 'x' }, '') }, (err) => err instanceof RangeError && err instanceof UpdateTooLargeError && err.size === SEND_UPDATE_MAX_SIZE + 1)
    assert.throws(() => { api.sendUpdate({ payload: 'é'.repeat(SEND_UPDATE_MAX_SIZE / 2) }, '') }, RangeError, 'the limit is in UTF-8 bytes')
    for (const bad of [{ payload: cyclic }, { payload: 10n }, { payload: undefined }, {}, null, 'text', [1], { payload: 1, info: 2 }, { payload: 1, notify: { a: 1 } }, { payload: 1, notify: 'all' }]) {
      assert.throws(() => { api.sendUpdate(bad as unknown as Parameters<typeof api.sendUpdate>[0], '') }, (err) => err instanceof TypeError && err instanceof InvalidUpdateError, JSON.stringify(bad, (_k, v: unknown) => typeof v === 'bigint' ? 'bigint' : v === cyclic ? 'cyclic' : v))
    }
    assert.throws(() => { void api.setUpdateListener('f' as unknown as () => void) }, TypeError)
    assert.throws(() => { void api.setUpdateListener(() => {}, -1) }, TypeError)
    assert.equal(store.log.count, 1)
    assert.equal(checkOwnUpdate({ payload: null }).json, '{"payload":null}', 'a null payload is a payload')
  })

  it('exposes sendUpdateInterval and sendUpdateMaxSize', () => {
    const { api } = localApi()
    assert.equal(api.sendUpdateMaxSize, SEND_UPDATE_MAX_SIZE)
    assert.ok(api.sendUpdateInterval > 0)
  })
})

describe('UpdateLog', () => {
  it('keeps at most maxUpdates and maxBytes, forgets the oldest, and does not take forgotten ids again', () => {
    const log = new UpdateLog({ maxUpdates: 3, maxBytes: SEND_UPDATE_MAX_SIZE, maxForgotten: 2 })
    const ids = Array.from({ length: 6 }, () => newUpdateId())
    for (const id of ids.slice(0, 5)) assert.ok(log.add(id, '{"payload":0}', 13))
    assert.equal(log.count, 3)
    assert.deepEqual(log.after(0).map((e) => e.serial), [3, 4, 5])
    assert.deepEqual(log.after(3).map((e) => e.serial), [4, 5])
    assert.equal(log.add(ids[4] ?? '', '{}', 2), undefined, 'a known id')
    assert.equal(log.add(ids[1] ?? '', '{}', 2), undefined, 'a forgotten id')
    const big = log.add(ids[5] ?? '', 'x', SEND_UPDATE_MAX_SIZE)
    assert.equal(big?.serial, 6, 'serials are never reused')
    assert.deepEqual(log.after(0).map((e) => e.serial), [6], 'the byte bound forgot the others')
    assert.equal(log.bytes, SEND_UPDATE_MAX_SIZE)
    assert.ok(log.add(ids[0] ?? '', '{}', 2), 'only maxForgotten ids are remembered')
    assert.throws(() => new UpdateLog({ maxBytes: 10 }), /maxBytes/)
  })
})

describe('updates wire format', () => {
  const id = newUpdateId()
  const update = checkOwnUpdate({ payload: { n: 1 }, info: 'i', document: 'd', summary: 's', href: 'h', notify: { '*': 'n' } })

  it('round-trips updates, sync requests and log answers', () => {
    assert.deepEqual(parseUpdatesMessage(encodeUpdate(id, update)), { type: 'update', id, update })
    assert.deepEqual(parseUpdatesMessage(encodeSync(id)), { type: 'sync', from: id })
    const entries = [{ id, json: update.json }, { id: newUpdateId(), json: '{"payload":[]}' }]
    const log = encodeLog(entries)
    assert.equal(log.byteLength, LOG_OVERHEAD_BYTES + entries.reduce((n, e) => n + logEntryBytes(e.json.length), 0) - 1, 'the size estimate is exact')
    const parsed = parseUpdatesMessage(log)
    assert.ok(parsed?.type === 'log')
    assert.deepEqual(parsed.updates.map((u) => u.update.json), entries.map((e) => e.json))
  })

  it('refuses everything else', () => {
    const big = JSON.stringify({ payload: 'x'.repeat(SEND_UPDATE_MAX_SIZE) })
    const bad = [
      new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
      'not json', '[]', 'null', '{}', `{"v":2,"type":"sync","from":"${id}"}`, '{"v":1,"type":"sync"}', '{"v":1,"type":"hello"}',
      `{"v":1,"type":"update","id":"${id.toUpperCase()}","update":{"payload":1}}`,
      `{"v":1,"type":"update","id":"${id}x","update":{"payload":1}}`,
      `{"v":1,"type":"update","id":"${id}","update":{"info":"no payload"}}`,
      `{"v":1,"type":"update","id":"${id}","update":{"payload":1,"href":1}}`,
      `{"v":1,"type":"update","id":"${id}","update":${big}}`,
      '{"v":1,"type":"log","updates":[]}',
      `{"v":1,"type":"log","updates":[{"id":"${id}","update":{"payload":1}},{"id":"${id}"}]}`,
      `{"v":1,"type":"update","id":"${id}","update":{"payload":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`
    ]
    for (const input of bad) {
      const data = typeof input === 'string' ? new TextEncoder().encode(input) : input
      assert.equal(parseUpdatesMessage(data), undefined, typeof input === 'string' ? input.slice(0, 120) : 'bytes')
    }
  })

  it(`never throws on mutated messages, and what it accepts is well-formed (seed ${FUZZ_SEED})`, async (t) => {
    const setup = prngFor('updates-wire/setup')
    const corpus = [
      encodeUpdate(id, update), encodeSync(id),
      encodeLog([{ id, json: update.json }, { id: newUpdateId(), json: JSON.stringify({ payload: setup.int(1_000) }) }])
    ]
    const n = await fuzzLoop('updates-wire', FUZZ_MS, (rng) => {
      const input = fuzzInput(rng, corpus, 2_000)
      const message: UpdatesMessage | undefined = mustNotThrow('parseUpdatesMessage', input, () => parseUpdatesMessage(input))
      if (message === undefined || message.type === 'sync') return
      const updates = message.type === 'log' ? message.updates : [message]
      for (const u of updates) {
        assert.match(u.id, /^[0-9a-f]{32}$/)
        assert.ok(u.update.size <= SEND_UPDATE_MAX_SIZE)
        assert.ok(Object.hasOwn(JSON.parse(u.update.json) as object, 'payload'))
      }
    })
    t.diagnostic(`${n} inputs`)
  })
})

/** The parts of a document the file functions use, recording what they do. */
function fakeDocument (): { doc: Document, clicked: Array<Record<string, unknown>>, attached: number } {
  const state = { clicked: [] as Array<Record<string, unknown>>, attached: 0 }
  const doc = {
    createElement: (tag: string) => {
      const listeners = new Map<string, () => void>()
      const element: Record<string, unknown> = {
        tag,
        style: {},
        files: [new File(['picked'], 'a.txt')],
        addEventListener: (type: string, listener: () => void) => { listeners.set(type, listener) },
        click: () => {
          state.clicked.push({ ...element })
          // the user picks a file
          setTimeout(() => { listeners.get('change')?.() }, 0)
        },
        remove: () => { state.attached-- }
      }
      return element
    },
    body: { append: () => { state.attached++ } }
  }
  return { doc: doc as unknown as Document, get clicked () { return state.clicked }, get attached () { return state.attached } }
}

describe('sendToChat and importFiles without a messenger', () => {
  it('sendToChat downloads the file under its name and logs the text; malformed messages reject with TypeError', async () => {
    const fake = fakeDocument()
    const logged: string[] = []
    const log = (text: string): void => { logged.push(text) }
    await sendToChat({ file: { name: 'notes.txt', plainText: 'hello' }, text: 'see attached' }, fake.doc, log)
    await sendToChat({ file: { name: 'data.bin', base64: 'AAEC' } }, fake.doc, log)
    await sendToChat({ text: 'text only' }, fake.doc, log)
    assert.deepEqual(fake.clicked.map((a) => [a.tag, a.download]), [['a', 'notes.txt'], ['a', 'data.bin']])
    assert.ok(fake.clicked.every((a) => typeof a.href === 'string' && a.href.startsWith('blob:')))
    assert.equal(fake.attached, 0, 'the links are removed')
    assert.deepEqual(logged, ['webxdc.sendToChat: see attached', 'webxdc.sendToChat: text only'])
    for (const bad of [{}, { text: 1 }, { file: { name: 'x' } }, { file: { name: 'x', plainText: 'a', base64: 'AA==' } }, { file: { name: '', plainText: 'a' } }, { file: { name: 'x', base64: '%%' } }, null]) {
      await assert.rejects(sendToChat(bad as unknown as Parameters<typeof sendToChat>[0], fake.doc, log), TypeError, JSON.stringify(bad))
    }
  })

  it('importFiles opens a file input that honours extensions, MIME types and multiple, and resolves with the picked files', async () => {
    const fake = fakeDocument()
    const files = await importFiles({ extensions: ['.txt', '.md'], mimeTypes: ['text/plain'], multiple: true }, fake.doc)
    assert.deepEqual(files.map((f) => f.name), ['a.txt'])
    assert.deepEqual(fake.clicked.map((i) => [i.tag, i.type, i.accept, i.multiple]), [['input', 'file', '.txt,.md,text/plain', true]])
    assert.equal(fake.attached, 0)
    assert.deepEqual(pickerOptions({}), { accept: '', multiple: false })
    for (const bad of [{ extensions: ['txt'] }, { mimeTypes: [3] }, { multiple: 'yes' }, 'all']) {
      await assert.rejects(importFiles(bad as unknown as Parameters<typeof importFiles>[0], fake.doc), TypeError, JSON.stringify(bad))
    }
  })
})

describe('installLocalWebxdc', () => {
  it('gives a page without a webxdc object the API minus realtime, and keeps what a messenger\'s object has', async () => {
    const bare: { webxdc?: Record<string, unknown> } = {}
    const api = installLocalWebxdc({ selfName: 'Ada' }, bare)
    assert.equal(bare.webxdc, api)
    assert.equal(api.selfName, 'Ada')
    assert.match(api.selfAddr, /^rtmesh-[0-9a-f]{16}$/)
    assert.equal(bare.webxdc.joinRealtimeChannel, undefined, 'no realtime without a node')
    const got: Update[] = []
    await api.setUpdateListener((u) => { got.push(u) })
    api.sendUpdate({ payload: 'kept in the page' }, '')
    await Promise.resolve()
    assert.deepEqual(summary(got), [[1, 1, 'kept in the page']])

    const sendUpdate = (): void => {}
    const own: Record<string, unknown> = { selfAddr: 'me@example.org', selfName: 'Me', sendUpdate, setUpdateListener: () => Promise.resolve() }
    installLocalWebxdc({ selfName: 'ignored' }, { webxdc: own })
    assert.equal(own.sendUpdate, sendUpdate, 'the messenger\'s update API stays')
    assert.equal(own.getAllUpdates, undefined, 'and ours is not mixed into it')
    assert.equal(own.selfName, 'Me')
    assert.equal(typeof own.importFiles, 'function', 'what it lacks is added')
  })
})
