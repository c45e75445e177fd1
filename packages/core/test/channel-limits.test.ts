/**
 * The channel passes each frame's source from the pubsub port to its limits
 * and counts every drop reason (in-memory port, injected clock).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from '@noble/hashes/utils.js'
import { RealtimeChannel } from '../src/api/channel.ts'
import type { ChannelEnvironment } from '../src/api/channel.ts'
import { MAX_MESSAGE_SIZE, NEW_SENDER_BURST, SOURCE_BYTE_BURST, SOURCE_NEW_SENDER_BURST } from '../src/proto/constants.ts'
import { deriveChannel } from '../src/proto/derive.ts'
import { FrameKind, sealFrame } from '../src/proto/envelope.ts'
import type { FrameSource, TopicHandlers } from '../src/libp2p/pubsub-port.ts'
import { emptyStats } from '../src/proto/stats.ts'

const T0 = 1_700_000_000_000

function setup (): { handlers: TopicHandlers, env: ChannelEnvironment, clock: { now: number }, channel: RealtimeChannel } {
  const derived = deriveChannel({ secret: randomBytes(32), chatId: 'chat', appId: 'app' })
  const clock = { now: T0 }
  let joined: TopicHandlers | undefined
  const env: ChannelEnvironment = {
    port: {
      join: (_topic, handlers) => { joined = handlers; return () => {} },
      publish: async () => {}
    },
    stats: emptyStats(),
    now: () => clock.now,
    randomBytes,
    onError: () => {},
    onControl: () => {},
    onLeaving: () => {}
  }
  const channel = new RealtimeChannel(derived, env, {}, () => {})
  if (joined === undefined) throw new Error('the channel did not join')
  return { handlers: joined, env, clock, channel }
}

function frame (channel: RealtimeChannel, senderId: Uint8Array, counter: number, timestamp: number, size = 0): Uint8Array {
  return sealFrame(channel.derived.key, channel.derived.topic, randomBytes(24), {
    kind: FrameKind.Data, senderId, counter, timestamp, payload: new Uint8Array(size)
  })
}

describe('channel limits', () => {
  it('judges frames by the peer they came through and counts the reasons', () => {
    const { handlers, env, clock, channel } = setup()
    const evil: FrameSource = { id: 'evil', relay: false }
    const honest: FrameSource = { id: 'honest', relay: false }
    const verdicts = new Map<string, number>()
    // a member minting a sender id per frame, 1 000 frames at once
    for (let n = 0; n < 1_000; n++) {
      const data = frame(channel, randomBytes(16), 0, clock.now)
      const verdict = handlers.validate(data, evil)
      verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1)
      if (verdict === 'accept') handlers.deliver(data)
    }
    assert.equal(verdicts.get('accept'), SOURCE_NEW_SENDER_BURST)
    assert.equal(env.stats.dropped.newSenders, 1_000 - SOURCE_NEW_SENDER_BURST)
    assert.equal(env.stats.delivered, SOURCE_NEW_SENDER_BURST)
    // later, one new sender id as fast as it can: its small first burst, then `flood`
    clock.now += 60_000
    const id = randomBytes(16)
    let counter = 0
    while (handlers.validate(frame(channel, id, counter, clock.now), evil) === 'accept') counter++
    assert.equal(counter, NEW_SENDER_BURST)
    assert.equal(env.stats.dropped.flood, 1)
    // later still, full-size frames: the peer's byte budget runs out first (4 MB: 31 frames)
    clock.now += 60_000
    let big = 0
    while (handlers.validate(frame(channel, id, counter + big, clock.now, MAX_MESSAGE_SIZE), evil) === 'accept') big++
    assert.equal(big, Math.floor(SOURCE_BYTE_BURST / (MAX_MESSAGE_SIZE + 74)))
    assert.equal(env.stats.dropped.sourceBytes, 1)
    // the honest peer is untouched
    assert.equal(handlers.validate(frame(channel, randomBytes(16), 0, clock.now), honest), 'accept')
    channel.leave()
  })
})
