/**
 * Seeded fuzzing of the relay's parsers of network input (federation
 * announcements, the pubsub RPC splitter): random inputs and mutations (bit
 * flips, truncation, extension, splices) of valid ones. No parser may throw;
 * each must answer "invalid". Last, the same kind of input goes to a running
 * relay process over real connections, which must stay up, keep forwarding
 * an honest member's frames and stay within a memory bound. The channel's
 * own parsers are fuzzed in `packages/core/test/fuzz.test.ts`.
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
import { MAX_FRAME_SIZE } from '@rtmesh/core'
import { MAX_ANNOUNCED_ADDRS, MAX_VOUCHES, encodeAnnouncement, parseAnnouncement, verifyAnnouncement } from '../src/federation/announcement.ts'
import { RpcSplitter } from '../src/defences/rpc-frames.ts'
import type { RpcVerdict } from '../src/defences/rpc-frames.ts'
import { MAX_RPC_BYTES } from '../src/defences/rpc-guard.ts'
import { FUZZ_MS, FUZZ_SEED, concat, fullHex, fuzzInput, fuzzLoop, hex, mustNotThrow, mutate, prngFor } from '@rtmesh/testkit'
import type { Prng } from '@rtmesh/testkit'
import { attackRelay } from './fuzz-relay.ts'

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
