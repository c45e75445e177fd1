/**
 * The host side of the bridge, with frames on the other end of Node
 * `MessageChannel` ports and real rtmesh nodes on loopback: bytes arrive
 * exactly both ways between frames of two hosts; what a frame posts that is
 * not a message is dropped and counted, and nothing reaches the host; a
 * flooding frame is throttled; closing (or the frame's goodbye) leaves the
 * channel; a frame reaches only the pair it was bound to; status updates and
 * `sendToChat` cross; `attachFrame` rebinds on every load; the host entry
 * loads in Node; and the bridge's added latency, measured.
 */
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'
import { ChannelHandle, deriveChannel, webxdcRealtime } from '@rtmesh/core'
import type { ChannelIdentity, RealtimeNode, WebxdcRealtime } from '@rtmesh/core'
import {
  FUZZ_MS, FUZZ_SEED, bytes, connect, fuzzLoop, hex, prngFor, randomIdentity, record, sendUntilHeard, startNodes, stopAll, text, waitFor
} from '@rtmesh/testkit'
import type { Prng } from '@rtmesh/testkit'
import { attachFrame } from '../src/bridge/attach.ts'
import type { BridgeableFrame } from '../src/bridge/attach.ts'
import { frameBridge } from '../src/bridge/frame.ts'
import type { FrameBridge } from '../src/bridge/frame.ts'
import { bridgeFrame } from '../src/bridge/host.ts'
import type { BridgedFrame, BridgeLimits, BridgeOptions, BridgeStats } from '../src/bridge/host.ts'
import { emitterPort } from '../src/bridge/port.ts'
import type { BridgeMessageEvent } from '../src/bridge/port.ts'
import { isPortMessage, parseFrameMessage } from '../src/bridge/protocol.ts'
import type { FrameMessage, HostMessage } from '../src/bridge/protocol.ts'
import { DEFAULT_FRAME_BYTES, DEFAULT_FRAME_MESSAGES, MAX_CHAT_REQUESTS } from '../src/bridge/constants.ts'
import { SEND_UPDATE_MAX_SIZE } from '../src/updates/service.ts'
import type { UpdateService } from '../src/updates/service.ts'

/** No limit worth the name: for tests that are not about throttling. */
const UNLIMITED: BridgeLimits = { messages: { rate: 1e9, burst: 1e9 }, bytes: { rate: 1e12, burst: 1e12 } }

/** A minimal real update log of one pair (serials from 1, own updates heard too). */
class MemoryUpdates implements UpdateService {
  private readonly log: string[] = []
  readonly listeners = new Set<(update: ReceivedStatusUpdate<unknown>) => void>()

  send (update: SendingStatusUpdate<unknown>): void {
    const json = JSON.stringify(update) as string | undefined
    if (json === undefined) throw new TypeError('not serializable')
    if (Buffer.byteLength(json) > SEND_UPDATE_MAX_SIZE) throw new RangeError('too large')
    this.log.push(json)
    const serial = this.log.length
    for (const listener of this.listeners) listener(this.received(serial))
  }

  listen (since: number, listener: (update: ReceivedStatusUpdate<unknown>) => void): { ready: Promise<void>, stop: () => void } {
    for (let serial = since + 1; serial <= this.log.length; serial++) listener(this.received(serial))
    this.listeners.add(listener)
    return { ready: Promise.resolve(), stop: () => { this.listeners.delete(listener) } }
  }

  all (): Array<ReceivedStatusUpdate<unknown>> {
    return this.log.map((_, i) => this.received(i + 1))
  }

  private received (serial: number): ReceivedStatusUpdate<unknown> {
    return { ...(JSON.parse(this.log[serial - 1] ?? 'null') as SendingStatusUpdate<unknown>), serial, max_serial: this.log.length }
  }
}

type Binding = Partial<BridgeOptions> & Pick<BridgeOptions, 'webxdc'>

function options (binding: Binding): BridgeOptions {
  return { updates: new MemoryUpdates(), selfAddr: 'host@example.org', selfName: 'Host', ...binding }
}

/** A frame bridged to a host over a fresh port pair. */
interface Bridged {
  frame: FrameBridge
  host: BridgedFrame
  close: () => void
}

function bridged (binding: Binding): Bridged {
  const { port1, port2 } = new MessageChannel()
  const host = bridgeFrame(port1, options(binding))
  const frame = frameBridge({ identity: { selfAddr: 'ada@example.org', selfName: 'Ada' } })
  frame.connect(port2)
  return { frame, host, close: () => { frame.close(); host.close() } }
}

/** A host whose frame end is driven raw by the test (to post anything at all). */
interface RawFrame {
  host: BridgedFrame
  post: (message: unknown, transfer?: ArrayBuffer[]) => void
  got: HostMessage[]
  /** Posts a `getAll` and resolves when its answer comes: everything posted before was handled. */
  flush: () => Promise<void>
  close: () => void
}

function rawFrame (binding: Binding): RawFrame {
  const { port1, port2 } = new MessageChannel()
  const host = bridgeFrame(port1, options(binding))
  const got: HostMessage[] = []
  port2.on('message', (message: HostMessage) => { got.push(message) })
  let id = 1_000_000
  return {
    host,
    got,
    post: (message, transfer = []) => { port2.postMessage(message, transfer) },
    flush: async () => {
      const mine = ++id
      port2.postMessage({ type: 'getAll', id: mine })
      await waitFor('the host to answer', () => got.some((m) => m.type === 'all' && m.id === mine))
    },
    close: () => { host.close(); port2.close() }
  }
}

function handled (stats: BridgeStats): number {
  const d = stats.dropped
  return stats.accepted + d.garbage + d.flood + d.bytes + d.stale + d.refused
}

function isJoined (node: RealtimeNode, identity: ChannelIdentity): boolean {
  return node.libp2p.services.pubsub.getTopics().includes(deriveChannel(identity).topic)
}

/** A pair whose channel hands every send straight back to its own listener: the bridge alone, no network. */
function echoWebxdc (): WebxdcRealtime {
  let active: ChannelHandle | undefined
  return webxdcRealtime(() => active !== undefined, () => {
    const handle: ChannelHandle = new ChannelHandle({ send: (data) => { handle.dispatch(data) }, leave: () => {} }, () => { active = undefined })
    active = handle
    return handle
  })
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/** Random structured-cloneable values, biased towards near-messages. */
function randomValue (rng: Prng, depth = 0): unknown {
  const keys = ['type', 'ch', 'data', 'json', 'id', 'since', 'message', 'chatId', 'file', 'text', 'name', 'blob', 'plainText', '__proto__']
  const types = ['join', 'send', 'leave', 'update', 'listen', 'getAll', 'sendToChat', 'bye', 'data', 'hello', '']
  switch (rng.int(depth > 2 ? 8 : 11)) {
    case 0: return null
    case 1: return rng.pick([0, 1, -1, 1.5, 2 ** 53, NaN, Infinity, Number.MAX_SAFE_INTEGER])
    case 2: return rng.pick(types)
    case 3: return new Uint8Array(rng.bytes(rng.length(64))).buffer
    case 4: return new ArrayBuffer(rng.pick([0, 128_000, 128_001]))
    case 5: return rng.bytes(rng.length(16))
    case 6: return rng.chance(0.5)
    case 7: return undefined
    case 8: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1))
    default: {
      const value: Record<string, unknown> = rng.chance(0.8) ? { type: rng.pick(types) } : {}
      for (let n = rng.int(4); n > 0; n--) Object.defineProperty(value, rng.pick(keys), { value: randomValue(rng, depth + 1), enumerable: true, writable: true, configurable: true })
      return value
    }
  }
}

describe('bridge, host side', () => {
  it('carries bytes exactly, both ways, between the frames of two hosts', async () => {
    const identity = randomIdentity()
    const [a, b] = await startNodes(2, { leaveLingerMs: 0 })
    assert.ok(a && b)
    const fa = bridged({ webxdc: a.webxdc(identity) })
    const fb = bridged({ webxdc: b.webxdc(identity) })
    try {
      await connect(a, b)
      const ca = fa.frame.webxdc.joinRealtimeChannel()
      const cb = fb.frame.webxdc.joinRealtimeChannel()
      const gotA = record(ca)
      const gotB = record(cb)
      await sendUntilHeard(ca, gotB, 'warm a')
      await sendUntilHeard(cb, gotA, 'warm b')
      const backing = randomBytes(300)
      const payloads = [
        new Uint8Array(0),
        new Uint8Array([0]),
        new Uint8Array([0xff, 0x00, 0x80, 0x7f]),
        new Uint8Array(backing.buffer, backing.byteOffset + 100, 100), // a view: only its bytes travel
        ...[255, 256, 4_096, 65_537, 127_999, 128_000].map((n) => new Uint8Array(randomBytes(n)))
      ]
      for (const data of payloads) {
        ca.send(data)
        cb.send(data)
      }
      const real = (got: Uint8Array[]): Uint8Array[] => got.filter((d) => !text(d).startsWith('warm '))
      await waitFor('every payload, both ways', () => real(gotA).length === payloads.length && real(gotB).length === payloads.length)
      for (const got of [real(gotA), real(gotB)]) {
        assert.deepEqual(got.map((d) => hex(d, Infinity)), payloads.map((d) => hex(d, Infinity)))
        for (const d of got) {
          assert.equal(d.byteOffset, 0)
          assert.equal(d.buffer.byteLength, d.byteLength, 'each payload in a buffer of its own')
        }
      }
      for (const side of [fa, fb]) {
        const stats = side.host.stats()
        assert.deepEqual(stats.dropped, { garbage: 0, flood: 0, bytes: 0, stale: 0, refused: 0 })
        assert.equal(stats.postErrors, 0)
      }
    } finally {
      fa.close()
      fb.close()
      await stopAll([a, b])
    }
  })

  it('drops and counts garbage from the frame; nothing is thrown into the host; the binding goes on', async (t) => {
    const identity = randomIdentity()
    const [a] = await startNodes(1, { leaveLingerMs: 0 })
    assert.ok(a)
    const raw = rawFrame({ webxdc: a.webxdc(identity), limits: UNLIMITED })
    try {
      const shared = new SharedArrayBuffer(4)
      const garbage: unknown[] = [
        null, undefined, 0, 'join', [], [{ type: 'join', ch: 1 }], {}, { type: 'join' }, { type: 'join', ch: 0 },
        { type: 'join', ch: -1 }, { type: 'join', ch: 1.5 }, { type: 'join', ch: '1' }, { type: 'join', ch: 2 ** 53 },
        { type: 'join', ch: 1, chatId: 'another chat' }, { type: 'join', ch: 1, appId: 'another app', secret: new Uint8Array(32) },
        { type: 'send', ch: 1 }, { type: 'send', ch: 1, data: new Uint8Array(3) }, { type: 'send', ch: 1, data: [1, 2, 3] },
        { type: 'send', ch: 1, data: shared }, { type: 'send', ch: 1, data: new ArrayBuffer(128_001) },
        { type: 'send', ch: 1, data: 'AAAA' }, { type: 'leave', ch: null }, { type: 'update' }, { type: 'update', json: 5 },
        { type: 'update', json: '{' }, { type: 'update', json: '{"info":"no payload"}' }, { type: 'update', json: '{"payload":1,"info":3}' },
        { type: 'update', json: 'x'.repeat(SEND_UPDATE_MAX_SIZE + 1) }, { type: 'listen', id: 1, since: -1 }, { type: 'listen', id: 1 },
        { type: 'getAll', id: 0 }, { type: 'sendToChat', id: 1, message: {} }, { type: 'sendToChat', id: 1, message: { text: 1 } },
        { type: 'sendToChat', id: 1, message: { file: { name: 'a', base64: 'x', plainText: 'y' } } }, { type: 'bye', now: true },
        { type: 'hello', selfAddr: 'x', selfName: 'y' }, { type: 'data', ch: 1, data: new ArrayBuffer(1) }, { type: 'constructor' },
        new Date(), new Map([['type', 'join']]), new Error('x'), /join/, new Uint8Array(8), { type: 'join', ch: 1, deep: { a: [{ b: 1 }] } }
      ]
      for (const g of garbage) raw.post(g)
      await raw.flush()
      let stats = raw.host.stats()
      assert.equal(stats.dropped.garbage, garbage.length)
      assert.equal(stats.accepted, 1, 'only the flush')
      assert.equal(isJoined(a, identity), false, 'no garbage joined anything')
      // the binding still works, and sends about other joins are stale
      raw.post({ type: 'join', ch: 1 })
      await waitFor('the join', () => isJoined(a, identity))
      raw.post({ type: 'send', ch: 2, data: new ArrayBuffer(1) })
      raw.post({ type: 'join', ch: 1 }) // a join counter that does not grow
      raw.post({ type: 'send', ch: 1, data: new ArrayBuffer(1) })
      raw.post({ type: 'leave', ch: 1 })
      await raw.flush()
      stats = raw.host.stats()
      assert.equal(stats.dropped.stale, 2)
      assert.equal(stats.sent, 1)
      await waitFor('the leave', () => !isJoined(a, identity))
      // random values (seeded: RTMESH_FUZZ_SEED) through the parser, then a sample through the port
      const rng = prngFor('bridge frame messages')
      const sample: unknown[] = []
      const iterations = await fuzzLoop('bridge frame messages', FUZZ_MS, () => {
        const value = randomValue(rng)
        const parsed = parseFrameMessage(value)
        if (parsed !== undefined) checkParsed(parsed)
        if (sample.length < 2_000 && parsed?.type !== 'bye') sample.push(value)
      })
      t.diagnostic(`${iterations} random values parsed (RTMESH_FUZZ_SEED=${FUZZ_SEED})`)
      for (const value of sample) raw.post(value)
      await raw.flush()
      assert.equal(handled(raw.host.stats()), garbage.length + 8 + sample.length, 'every message counted once (8: three flushes, two joins, two sends, a leave)')
      assert.equal(raw.host.closed, false)
    } finally {
      raw.close()
      await stopAll([a])
    }

    function checkParsed (message: FrameMessage): void {
      if ('ch' in message) assert.ok(Number.isSafeInteger(message.ch) && message.ch > 0)
      if (message.type === 'send') assert.ok(message.data instanceof ArrayBuffer && message.data.byteLength <= 128_000)
    }
  })

  it('throttles a flooding frame: messages per second and bytes per second', async (t) => {
    const identity = randomIdentity()
    const [a, b] = await startNodes(2, { leaveLingerMs: 0 })
    assert.ok(a && b)
    const flooder = bridged({ webxdc: a.webxdc(identity) })
    try {
      await connect(a, b)
      const got = record(b.webxdc(identity).joinRealtimeChannel())
      const channel = flooder.frame.webxdc.joinRealtimeChannel()
      await sendUntilHeard(channel, got, 'warm')
      const FLOOD = 5_000
      const before = flooder.host.stats()
      const started = performance.now()
      for (let i = 0; i < FLOOD; i++) channel.send(bytes(`flood ${i}`))
      await waitFor('the host to take every message', () => handled(flooder.host.stats()) - handled(before) === FLOOD)
      const seconds = (performance.now() - started) / 1_000
      const stats = flooder.host.stats()
      const sent = stats.sent - before.sent
      const allowed = DEFAULT_FRAME_MESSAGES.burst + DEFAULT_FRAME_MESSAGES.rate * seconds
      t.diagnostic(`messages: ${FLOOD} posted in ${seconds.toFixed(3)} s, ${sent} sent, ${stats.dropped.flood} dropped as flood (allowed ≤ ${allowed.toFixed(0)})`)
      assert.ok(stats.dropped.flood > 0)
      assert.ok(sent <= allowed + 1, `${sent} sent, more than the ${allowed.toFixed(0)} allowed`)
      assert.equal(sent + stats.dropped.flood, FLOOD)
      await waitFor('some of the flood at b', () => got.some((d) => text(d).startsWith('flood ')))
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.ok(got.filter((d) => text(d).startsWith('flood ')).length <= sent, 'b got nothing the host dropped')

      // bytes: largest payloads, messages unlimited
      const heavy = bridged({ webxdc: a.webxdc({ ...identity, appId: 'heavy' }), limits: { messages: UNLIMITED.messages } })
      try {
        const heavyChannel = heavy.frame.webxdc.joinRealtimeChannel()
        const SENDS = 100
        const size = 128_000
        const start = performance.now()
        for (let i = 0; i < SENDS; i++) heavyChannel.send(new Uint8Array(size))
        await waitFor('the host to take every send', () => handled(heavy.host.stats()) === SENDS + 1)
        const s = (performance.now() - start) / 1_000
        const heavyStats = heavy.host.stats()
        const allowedBytes = DEFAULT_FRAME_BYTES.burst + DEFAULT_FRAME_BYTES.rate * s
        t.diagnostic(`bytes: ${SENDS} × ${size} B posted in ${s.toFixed(3)} s, ${heavyStats.sent} sent, ${heavyStats.dropped.bytes} dropped (allowed ≤ ${allowedBytes.toFixed(0)} B)`)
        assert.ok(heavyStats.dropped.bytes > 0)
        assert.ok(heavyStats.sent * size <= allowedBytes + size)
      } finally {
        heavy.close()
      }
    } finally {
      flooder.close()
      await stopAll([a, b])
    }
  })

  it('close() and the frame\'s goodbye leave the channel: the node unsubscribes, the pair is free again', async () => {
    const identity = randomIdentity()
    const [a] = await startNodes(1, { leaveLingerMs: 0 })
    assert.ok(a)
    const updates = new MemoryUpdates()
    try {
      for (const end of ['host close', 'frame goodbye', 'frame leave'] as const) {
        const side = bridged({ webxdc: a.webxdc(identity), updates })
        const channel = side.frame.webxdc.joinRealtimeChannel()
        await side.frame.webxdc.setUpdateListener(() => {})
        await waitFor('the node to join', () => isJoined(a, identity))
        assert.equal(updates.listeners.size, 1)
        if (end === 'host close') side.host.close()
        else if (end === 'frame goodbye') side.frame.close()
        else channel.leave()
        await waitFor(`the node to leave (${end})`, () => !isJoined(a, identity))
        if (end !== 'frame leave') {
          await waitFor('the binding to close', () => side.host.closed)
          assert.equal(updates.listeners.size, 0, 'the update listener stopped')
        }
        const again = a.webxdc(identity).joinRealtimeChannel() // the pair is not held any more
        again.leave()
        side.close()
        assert.equal(updates.listeners.size, 0)
      }
    } finally {
      await stopAll([a])
    }
  })

  it('a frame reaches only the pair it was bound to', async () => {
    const p = randomIdentity()
    const q = { ...p, chatId: 'another chat' }
    const [a, b] = await startNodes(2, { leaveLingerMs: 0 })
    assert.ok(a && b)
    const fp = bridged({ webxdc: a.webxdc(p) })
    const fq = bridged({ webxdc: a.webxdc(q) })
    const forger = rawFrame({ webxdc: a.webxdc(q), limits: UNLIMITED })
    try {
      await connect(a, b)
      const bp = b.webxdc(p).joinRealtimeChannel()
      const bq = b.webxdc(q).joinRealtimeChannel()
      const atBp = record(bp)
      const atBq = record(bq)
      const cp = fp.frame.webxdc.joinRealtimeChannel()
      const cq = fq.frame.webxdc.joinRealtimeChannel()
      const atP = record(cp)
      const atQ = record(cq)
      await sendUntilHeard(cp, atBp, 'p warm')
      await sendUntilHeard(cq, atBq, 'q warm')
      await sendUntilHeard(bp, atP, 'to p')
      await sendUntilHeard(bq, atQ, 'to q')
      // what the frame of q could try: name another pair, or a topic, in its messages
      forger.post({ type: 'join', ch: 1, chatId: p.chatId })
      forger.post({ type: 'send', ch: 1, data: bytes('forged').buffer, topic: deriveChannel(p).topic })
      await forger.flush()
      assert.equal(forger.host.stats().dropped.garbage, 2)
      assert.deepEqual(atBp.map(text).filter((s) => !s.startsWith('p warm')), [], 'p\'s peer heard only p\'s frame')
      assert.deepEqual(atBq.map(text).filter((s) => !s.startsWith('q warm')), [], 'q\'s peer heard only q\'s frame')
      assert.ok(atP.every((d) => text(d).startsWith('to p')))
      assert.ok(atQ.every((d) => text(d).startsWith('to q')))
      // a second frame of the same pair on the same node is refused its join (one channel per pair and node)
      const twin = bridged({ webxdc: a.webxdc(p) })
      try {
        twin.frame.webxdc.joinRealtimeChannel().send(bytes('twin'))
        await waitFor('the twin\'s join and send', () => twin.host.stats().dropped.refused === 2)
      } finally {
        twin.close()
      }
    } finally {
      fp.close()
      fq.close()
      forger.close()
      await stopAll([a, b])
    }
  })

  it('carries status updates: own updates heard, the listener\'s serial and promise, getAllUpdates, refusals counted', async () => {
    const updates = new MemoryUpdates()
    for (const n of [1, 2, 3]) updates.send({ payload: n })
    const side = bridged({ webxdc: echoWebxdc(), updates })
    try {
      const got: Array<ReceivedStatusUpdate<unknown>> = []
      await side.frame.webxdc.setUpdateListener((u) => { got.push(u) }, 1)
      assert.deepEqual(got.map((u) => [u.serial, u.payload]), [[2, 2], [3, 3]], 'known updates above the serial, before the promise resolved')
      side.frame.webxdc.sendUpdate({ payload: { n: 4 }, info: 'four', summary: 's' }, '')
      await waitFor('the own update', () => got.length === 3)
      assert.deepEqual(got[2], { payload: { n: 4 }, info: 'four', summary: 's', serial: 4, max_serial: 4 })
      assert.deepEqual((await side.frame.webxdc.getAllUpdates()).map((u) => u.serial), [1, 2, 3, 4])
      // a listener replaced on the host side too: only the new one hears
      const later: number[] = []
      await side.frame.webxdc.setUpdateListener((u) => { later.push(u.serial) }, 4)
      assert.equal(updates.listeners.size, 1)
      updates.send({ payload: 5 })
      await waitFor('update 5', () => later.length === 1)
      assert.equal(got.length, 3)
    } finally {
      side.close()
    }
    const refusing: UpdateService = { send: () => { throw new RangeError('full') }, listen: () => ({ ready: Promise.reject(new Error('down')), stop: () => {} }), all: () => [] }
    const raw = rawFrame({ webxdc: echoWebxdc(), updates: refusing })
    try {
      raw.post({ type: 'update', json: '{"payload":1}' })
      raw.post({ type: 'listen', id: 7, since: 0 })
      await waitFor('ready despite the failure', () => raw.got.some((m) => m.type === 'ready' && m.id === 7))
      assert.equal(raw.host.stats().dropped.refused, 2)
    } finally {
      raw.close()
    }
  })

  it('forwards sendToChat to the host, which decides; without a handler it rejects; at most a few at once', async () => {
    const asked: unknown[] = []
    let release = (): void => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    const side = bridged({
      webxdc: echoWebxdc(),
      onSendToChat: async (message) => {
        asked.push(message)
        if (message.text === 'no') throw new Error('the user cancelled')
        if (message.text === 'hold') await held
      }
    })
    const without = bridged({ webxdc: echoWebxdc() })
    try {
      await side.frame.webxdc.sendToChat({ text: 'hello', file: { name: 'notes.txt', plainText: 'ä' } })
      assert.deepEqual(asked, [{ text: 'hello', file: { name: 'notes.txt', plainText: 'ä' } }])
      await assert.rejects(side.frame.webxdc.sendToChat({ text: 'no' }), /the user cancelled/)
      await assert.rejects(without.frame.webxdc.sendToChat({ text: 'hi' }), /not available/)
      const holding = Array.from({ length: MAX_CHAT_REQUESTS }, async () => { await side.frame.webxdc.sendToChat({ text: 'hold' }) })
      await assert.rejects(side.frame.webxdc.sendToChat({ text: 'one too many' }), /too many/)
      release()
      await Promise.all(holding)
      await side.frame.webxdc.sendToChat({ text: 'again' })
    } finally {
      side.close()
      without.close()
    }
  })

  it('attachFrame: a new port for every load, the previous binding closed (its channel left), none after detach', async () => {
    const identity = randomIdentity()
    const [a] = await startNodes(1, { leaveLingerMs: 0 })
    assert.ok(a)
    const posted: Array<{ message: unknown, origin: string, port: MessagePort }> = []
    const loads = new Set<() => void>()
    const iframe: BridgeableFrame = {
      name: '',
      contentWindow: {
        postMessage: (message, origin, transfer) => { posted.push({ message, origin, port: transfer[0] as unknown as MessagePort }) }
      },
      addEventListener: (_type, listener) => { loads.add(listener) },
      removeEventListener: (_type, listener) => { loads.delete(listener) }
    }
    const load = (): void => { for (const l of [...loads]) l() }
    const frames: FrameBridge[] = []
    const attached = attachFrame(iframe, { webxdc: a.webxdc(identity), updates: new MemoryUpdates(), selfAddr: 'ada@example.org', selfName: 'Ada' })
    try {
      assert.deepEqual(JSON.parse(iframe.name), { rtmesh: 1, selfAddr: 'ada@example.org', selfName: 'Ada' })
      const current = (): BridgedFrame | undefined => attached.current
      assert.equal(current(), undefined)
      for (let document = 0; document < 2; document++) {
        load()
        const last = posted.at(-1)
        assert.ok(last && isPortMessage(last.message))
        assert.equal(last.origin, '*')
        const frame = frameBridge()
        frame.connect(last.port)
        frames.push(frame)
        await waitFor('the hello', () => frame.webxdc.selfAddr === 'ada@example.org')
        frame.webxdc.joinRealtimeChannel() // the previous document's channel was left, or this would be refused
        await waitFor('the join', () => isJoined(a, identity) && current()?.stats().accepted === 1)
      }
      assert.equal(posted.length, 2)
      const last = current()
      attached.detach()
      assert.equal(last?.closed, true)
      await waitFor('the channel left', () => !isJoined(a, identity))
      load()
      assert.equal(posted.length, 2, 'no port after detach')
    } finally {
      attached.detach()
      for (const frame of frames) frame.close()
      await stopAll([a])
    }
  })

  it('works over an event-emitter port (Electron\'s MessagePortMain) through emitterPort', async () => {
    const { port1, port2 } = new MessageChannel()
    class EmitterFake extends EventEmitter {
      private readonly port: MessagePort
      constructor (port: MessagePort) {
        super()
        this.port = port
        port.on('message', (data: unknown) => { this.emit('message', { data } satisfies BridgeMessageEvent) })
      }

      postMessage (message: unknown): void { this.port.postMessage(message) }
      start (): void {}
      close (): void { this.port.close() }
    }
    const host = bridgeFrame(emitterPort(new EmitterFake(port1)), options({ webxdc: echoWebxdc() }))
    const frame = frameBridge()
    frame.connect(port2)
    try {
      const channel = frame.webxdc.joinRealtimeChannel()
      const got = record(channel)
      channel.send(new Uint8Array([1, 2, 3]))
      await waitFor('the echo', () => got.length === 1)
      assert.deepEqual([...(got[0] ?? [])], [1, 2, 3])
      assert.equal(frame.webxdc.selfAddr, 'host@example.org')
    } finally {
      frame.close()
      host.close()
    }
  })

  it('the host entry loads in Node: nothing browser-only at load', async () => {
    assert.equal((globalThis as { window?: unknown }).window, undefined)
    assert.equal((globalThis as { document?: unknown }).document, undefined)
    const host = await import('@rtmesh/browser/host')
    assert.equal(typeof host.bridgeFrame, 'function')
    assert.equal(typeof host.attachFrame, 'function')
    assert.equal(typeof host.emitterPort, 'function')
  })

  it('measures the bridge\'s added latency: frame → host → frame over the port', async (t) => {
    const side = bridged({ webxdc: echoWebxdc(), limits: UNLIMITED })
    try {
      const channel = side.frame.webxdc.joinRealtimeChannel()
      let arrived: () => void = () => {}
      channel.setListener(() => { arrived() })
      for (const [size, rounds] of [[64, 3_000], [128_000, 300]] as const) {
        const data = new Uint8Array(size)
        const times: number[] = []
        for (let i = 0; i < rounds; i++) {
          const start = performance.now()
          await new Promise<void>((resolve) => {
            arrived = resolve
            channel.send(data)
          })
          times.push(performance.now() - start)
        }
        const sorted = times.slice(50).sort((x, y) => x - y) // the first rounds warm up the JIT
        t.diagnostic(`round trip of ${size} B over the bridge (${sorted.length} rounds): p50 ${(percentile(sorted, 50) * 1_000).toFixed(0)} µs, p99 ${(percentile(sorted, 99) * 1_000).toFixed(0)} µs`)
      }
      assert.equal(side.host.stats().postErrors, 0)
    } finally {
      side.close()
    }
  })
})
