/**
 * Seeded fuzzing of every parser of network input: random inputs and
 * mutations (bit flips, truncation, extension, splices) of valid ones. No
 * parser may throw; each must answer "invalid". Last, the same kind of input
 * goes to a running relay process over real connections, which must stay up,
 * keep forwarding an honest member's frames and stay within a memory bound.
 *
 * The seed is printed; `RTMESH_FUZZ_SEED=<seed>` replays a run,
 * `RTMESH_FUZZ_MS` sets the time per target (default 1.5 s, the relay 3×),
 * `RTMESH_FUZZ_ITERATIONS` caps iterations per target.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { checkFrameShape, deriveChannel, MAX_FRAME_SIZE, MAX_MESSAGE_SIZE, openFrame, sealFrame } from '@rtmesh/core'
import { InboundOrderer } from '../../core/src/proto/inbound.ts'
import { decodePresence, encodePresence, MAX_PRESENCE_ADDRS } from '../../core/src/proto/presence.ts'
import { MAX_ANNOUNCED_ADDRS, MAX_VOUCHES, encodeAnnouncement, parseAnnouncement, verifyAnnouncement } from '../src/federation/announcement.ts'
import { RpcSplitter } from '../src/defences/rpc-frames.ts'
import type { RpcVerdict } from '../src/defences/rpc-frames.ts'
import { MAX_RPC_BYTES } from '../src/defences/rpc-guard.ts'
import { FUZZ_MS, FUZZ_SEED, concat, fuzzInput, fuzzLoop, hex, mutate, prngFor } from './fuzz-helpers.ts'
import type { Prng } from './fuzz-helpers.ts'
import { attackRelay } from './fuzz-relay.ts'

const fullHex = (data: Uint8Array): string => Buffer.from(data).toString('hex')

/** Runs a parser on one input; a throw becomes a failure naming the input. */
function mustNotThrow<T> (what: string, input: Uint8Array, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new Error(`${what} threw on input ${hex(input)}: ${String(err)}`, { cause: err })
  }
}

/** A random, valid gossipsub RPC: subscriptions, messages and control, as peers send them. */
export function randomRpc (rng: Prng, topics: readonly string[]): RPC {
  const topic = (): string => rng.chance(0.7) ? rng.pick(topics) : `t/${rng.int(1_000)}`
  const ids = (): Uint8Array[] => Array.from({ length: rng.int(4) }, () => rng.bytes(rng.pick([20, 32])))
  const rpc: RPC = {
    subscriptions: Array.from({ length: rng.int(3) }, () => ({ subscribe: rng.chance(0.5), topic: topic() })),
    messages: Array.from({ length: rng.int(3) }, () => ({ topic: topic(), data: rng.bytes(rng.length(2_000)) }))
  }
  if (rng.chance(0.4)) {
    rpc.control = {
      ihave: rng.chance(0.5) ? [{ topicID: topic(), messageIDs: ids() }] : [],
      iwant: rng.chance(0.5) ? [{ messageIDs: ids() }] : [],
      graft: rng.chance(0.5) ? [{ topicID: topic() }] : [],
      prune: rng.chance(0.5) ? [{ topicID: topic(), peers: [], backoff: rng.int(120) }] : [],
      idontwant: rng.chance(0.5) ? [{ messageIDs: ids() }] : []
    }
  }
  return rpc
}

/** Length-prefixes RPC bodies as gossipsub frames them. */
export function lengthPrefixed (...bodies: Uint8Array[]): Uint8Array {
  return concat(...bodies.flatMap((body) => {
    const prefix: number[] = []
    let n = body.byteLength
    while (n >= 0x80) {
      prefix.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    prefix.push(n)
    return [Uint8Array.from(prefix), body]
  }))
}

describe(`fuzz (seed ${FUZZ_SEED}: replay with RTMESH_FUZZ_SEED=${FUZZ_SEED})`, () => {
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

  it('federation announcements: parseAnnouncement and verifyAnnouncement never throw; nothing unsigned verifies', async (t) => {
    const keys = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
    const ids = keys.map((k) => peerIdFromPrivateKey(k))
    const corpus: Uint8Array[] = []
    for (const [i, key] of keys.entries()) {
      const id = ids[i]
      assert.ok(id !== undefined)
      const addrs = [multiaddr(`/ip4/203.0.113.${i}/tcp/4001/ws/p2p/${id.toString()}`), multiaddr(`/ip4/203.0.113.${i}/tcp/4002/p2p/${id.toString()}`)]
      corpus.push(await encodeAnnouncement(key, id, addrs, ids.map(String), 1_700_000_000_000 + i))
      corpus.push(await encodeAnnouncement(key, id, [], [], 0))
    }
    const signed = new Set(corpus.map(fullHex))
    const n = await fuzzLoop('announcement', FUZZ_MS, async (rng) => {
      const input = fuzzInput(rng, corpus, 9_000)
      const announcement = mustNotThrow('parseAnnouncement', input, () => parseAnnouncement(input))
      if (announcement === undefined) return
      if (announcement.addrs.length > MAX_ANNOUNCED_ADDRS || announcement.vouches.length > MAX_VOUCHES) {
        throw new Error(`announcement over its bounds from ${hex(input)}`)
      }
      let verified: boolean
      try {
        verified = await verifyAnnouncement(announcement)
      } catch (err) {
        throw new Error(`verifyAnnouncement threw on ${hex(input)}: ${String(err)}`, { cause: err })
      }
      if (verified && !signed.has(fullHex(input))) throw new Error(`an announcement nobody signed verified: ${hex(input)}`)
    })
    t.diagnostic(`${n} inputs`)
  })

  it('pubsub RPC splitter: never throws, and judges a stream the same however it is chunked', async (t) => {
    const setup = prngFor('rpc/setup')
    const topics = ['rtmesh/2/' + '0'.repeat(64), 'rtmesh/relays/1']
    const corpus = Array.from({ length: 16 }, () => lengthPrefixed(...Array.from({ length: 1 + setup.int(3) }, () => RPC.encode(randomRpc(setup, topics)))))
    const n = await fuzzLoop('rpc-splitter', FUZZ_MS, (rng) => {
      const input = rng.chance(0.1) ? concat(Uint8Array.of(0x80, 0x80, 0x10), rng.bytes(64)) : fuzzInput(rng, corpus, 8_192)
      const cap = rng.chance(0.2) ? 1 + rng.int(256) : MAX_RPC_BYTES
      const whole = mustNotThrow('RpcSplitter', input, () => new RpcSplitter(cap).push(input))
      const chunked: RpcVerdict[] = []
      const splitter = new RpcSplitter(cap)
      mustNotThrow('RpcSplitter (chunked)', input, () => {
        for (let at = 0; at < input.byteLength;) {
          const end = at + 1 + rng.int(64)
          chunked.push(...splitter.push(input.subarray(at, end)))
          at = end
        }
      })
      if (JSON.stringify(whole) !== JSON.stringify(chunked)) throw new Error(`verdicts ${whole.join()} whole, ${chunked.join()} chunked, for ${hex(input)}`)
      if (corpus.some((c) => c === input) && whole.some((v) => v !== 'ok')) throw new Error(`a valid stream was refused: ${hex(input)}`)
    })
    // sanity: unmutated streams are all ok
    for (const stream of corpus) assert.ok(new RpcSplitter(MAX_RPC_BYTES).push(stream).every((v) => v === 'ok'))
    t.diagnostic(`${n} inputs`)
  })

  it('a running relay survives garbage and fuzzed RPCs and frames, keeps forwarding, and stays within its memory bound', async (t) => {
    const report = await attackRelay(FUZZ_MS * 3, (rng, topic) => {
      const frame = (): Uint8Array => rng.chance(0.5) ? rng.bytes(rng.length(MAX_FRAME_SIZE + 16)) : concat(Uint8Array.of(1), rng.bytes(73 + rng.int(2_000)))
      switch (rng.int(4)) {
        case 0: // raw garbage on the stream
          return rng.bytes(rng.length(4_096))
        case 1: // valid RPCs carrying fuzzed channel frames on the carried topic
          return lengthPrefixed(RPC.encode({ subscriptions: [], messages: [{ topic, data: frame() }] }))
        case 2: { // mutations of valid RPC streams
          const valid = lengthPrefixed(RPC.encode(randomRpc(rng, [topic])), RPC.encode(randomRpc(rng, [topic])))
          return mutate(rng, valid, [valid])
        }
        default: // valid RPCs of random content
          return lengthPrefixed(RPC.encode(randomRpc(rng, [topic])))
      }
    })
    for (const line of report.lines) t.diagnostic(line)
    assert.ok(report.heapUsed < report.heapBound, `relay heap ${report.heapUsed} bytes, bound ${report.heapBound}`)
    assert.deepEqual(report.errors, [], 'the relay logged no errors')
  })
})
