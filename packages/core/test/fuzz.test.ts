/**
 * Seeded fuzzing of the channel's parsers of network input: the envelope,
 * the inbound orderer and presence payloads. Random inputs and mutations of
 * valid ones; no parser may throw, each must answer "invalid".
 * `RTMESH_FUZZ_SEED=<seed>` replays a run, `RTMESH_FUZZ_MS` sets the time
 * per target (default 1.5 s), `RTMESH_FUZZ_ITERATIONS` caps iterations.
 */
import { describe, it } from 'node:test'
import { FUZZ_MS, FUZZ_SEED, fullHex, fuzzInput, fuzzLoop, hex, mustNotThrow, prngFor } from '@rtmesh/testkit'
import { MAX_FRAME_SIZE, MAX_MESSAGE_SIZE } from '../src/proto/constants.ts'
import { deriveChannel } from '../src/proto/derive.ts'
import { checkFrameShape, openFrame, sealFrame } from '../src/proto/envelope.ts'
import { InboundOrderer } from '../src/proto/inbound.ts'
import { decodePresence, encodePresence, MAX_PRESENCE_ADDRS } from '../src/proto/presence.ts'

describe(`fuzz the channel's parsers (seed ${FUZZ_SEED}: replay with RTMESH_FUZZ_SEED=${FUZZ_SEED})`, () => {
  it('envelope: the shape check and openFrame never throw, and only sealed frames open', async (t) => {
    const setup = prngFor('envelope/setup')
    const { key, topic } = deriveChannel({ secret: setup.bytes(32), chatId: 'chat', appId: 'app' })
    const corpus = [0, 1, 33, 500, 4_000, MAX_MESSAGE_SIZE].map((n, i) => sealFrame(key, topic, setup.bytes(24), {
      kind: i % 2, senderId: setup.bytes(16), counter: i, timestamp: 1_700_000_000_000 + i, payload: setup.bytes(n)
    }))
    const sealed = new Set(corpus.map(fullHex))
    const n = await fuzzLoop('envelope', FUZZ_MS, (rng) => {
      const input = fuzzInput(rng, corpus, MAX_FRAME_SIZE + 64)
      const shape = mustNotThrow('checkFrameShape', input, () => checkFrameShape(input))
      const opened = mustNotThrow('openFrame', input, () => openFrame(key, topic, input))
      if (opened.ok && !sealed.has(fullHex(input))) throw new Error(`a frame nobody sealed opened: ${hex(input)}`)
      if (opened.ok && shape !== undefined) throw new Error(`opened a frame of bad shape (${shape}): ${hex(input)}`)
    })
    t.diagnostic(`${n} inputs`)
  })

  it('inbound orderer: frames with any sender, counter and timestamp never make it throw or grow past its bounds', async (t) => {
    const maxSenders = 8
    const orderer = new InboundOrderer<{ id: number }>({ maxSenders, maxBufferedPerSender: 4, maxBufferedPerChannel: 16, reorderTimeoutMs: 50 })
    const setup = prngFor('inbound/setup')
    const senders = Array.from({ length: 12 }, () => setup.bytes(16))
    const last = new Map<number, number>()
    const delivered = new Set<number>()
    let now = 1_700_000_000_000
    let nextId = 0
    const take = (items: Array<{ id: number }>, input: Uint8Array): void => {
      for (const { id } of items) {
        if (delivered.has(id)) throw new Error(`item ${id} delivered twice, after input ${hex(input)}`)
        delivered.add(id)
      }
    }
    const n = await fuzzLoop('inbound', FUZZ_MS, (rng) => {
      // what openFrame hands over: a 16-byte sender id, counter and timestamp as uint64 (≤ 2^53), a frame size
      now += rng.chance(0.01) ? -rng.int(200) : rng.int(30)
      const which = rng.int(senders.length + 1)
      const senderId = senders[which] ?? rng.bytes(16)
      const previous = last.get(which) ?? 0
      const counter = rng.pick([previous, previous + 1, previous + 1 + rng.int(8), Math.max(0, previous - rng.int(4)), rng.int(2 ** 32) * 2 ** 21 + rng.int(2 ** 21), 0])
      last.set(which, Math.max(previous, counter))
      const timestamp = rng.chance(0.6) ? now + rng.int(2_000) - 1_000 : rng.pick([now - 200_000, 0, Number.MAX_SAFE_INTEGER])
      const size = 74 + (rng.chance(0.9) ? rng.int(200) : rng.int(128_001))
      const source = { id: `peer-${rng.int(4)}`, relay: rng.chance(0.25) }
      const input = Uint8Array.from([which, ...new Uint8Array(new Float64Array([counter, timestamp, now]).buffer)])
      mustNotThrow('InboundOrderer', input, () => {
        switch (rng.int(5)) {
          case 0: orderer.classify(senderId, counter, timestamp, now); break
          case 1: take(orderer.flush(now), input); break
          case 2: orderer.nextDeadline(); break
          default:
            if (orderer.admit({ senderId, counter, timestamp, size }, source, now) === 'accept') {
              take(orderer.push(senderId, counter, timestamp, { id: nextId++ }, now, size), input)
            }
        }
      })
      if (orderer.senderCount > maxSenders) throw new Error(`${orderer.senderCount} senders tracked, bound ${maxSenders}`)
    })
    t.diagnostic(`${n} operations, ${delivered.size} items delivered`)
  })

  it('presence: decodePresence never throws and returns only well-formed presences', async (t) => {
    const setup = prngFor('presence/setup')
    const corpus = [
      encodePresence({ peerId: '12D3KooWfuzz', multiaddrs: [] }),
      encodePresence({ peerId: '12D3KooWfuzz', multiaddrs: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWfuzz', '/dns4/x/tcp/443/wss'], bye: true }),
      encodePresence({ peerId: 'x'.repeat(128), multiaddrs: Array.from({ length: 20 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`) }),
      new TextEncoder().encode(JSON.stringify({ v: 1, p: 'p', a: [1, null, {}, [], 'x'.repeat(2_000)], b: 1 })),
      new TextEncoder().encode(`{"v":1,"p":"p","a":${'['.repeat(3_000)}${']'.repeat(3_000)}}`),
      setup.bytes(64)
    ]
    const n = await fuzzLoop('presence', FUZZ_MS, (rng) => {
      const input = fuzzInput(rng, corpus, 10_000)
      const presence = mustNotThrow('decodePresence', input, () => decodePresence(input))
      if (presence === undefined) return
      const ok = typeof presence.peerId === 'string' && presence.peerId.length > 0 && presence.peerId.length <= 128 &&
        Array.isArray(presence.multiaddrs) && presence.multiaddrs.length <= MAX_PRESENCE_ADDRS &&
        presence.multiaddrs.every((a) => typeof a === 'string' && a.length <= 1_024) && (presence.bye === undefined || presence.bye)
      if (!ok) throw new Error(`malformed presence ${JSON.stringify(presence)} from ${hex(input)}`)
    })
    t.diagnostic(`${n} inputs`)
  })

})
