/**
 * One joined realtime channel: the webxdc `RealtimeListener` over a pubsub
 * port. Sealing, opening and ordering are the pure parts (`envelope.ts`,
 * `inbound.ts`); this class holds the channel's state and its one timer.
 */
import type { RealtimeListener } from '@webxdc/types'
import { MAX_MESSAGE_SIZE, NONCE_BYTES, SENDER_ID_BYTES } from '../proto/constants.ts'
import { FrameKind, openFrame, sealFrame } from '../proto/envelope.ts'
import type { FrameContents } from '../proto/envelope.ts'
import { ChannelClosedError, MessageTooLargeError } from '../errors.ts'
import { InboundOrderer } from '../proto/inbound.ts'
import type { InboundOptions } from '../proto/inbound.ts'
import type { DerivedChannel } from '../proto/derive.ts'
import type { FrameSource, PubSubPort, ValidationResult } from '../libp2p/pubsub-port.ts'
import type { RealtimeStats } from '../proto/stats.ts'

/** What a channel needs from its surroundings: injected so tests control them. */
export interface ChannelEnvironment {
  port: PubSubPort
  stats: RealtimeStats
  now: () => number
  randomBytes: (length: number) => Uint8Array
  /** Called with errors the channel swallows (listener throws, publish fails). */
  onError: (message: string, err: unknown) => void
  /** Receives authenticated frames of kinds other than data (presence, …), in order. */
  onControl: (channel: RealtimeChannel, kind: number, payload: Uint8Array) => void
  /** Called at the start of `leave()`, while the channel can still send control frames. */
  onLeaving: (channel: RealtimeChannel) => void
}

export type Listener = (data: Uint8Array) => void

export class RealtimeChannel implements RealtimeListener {
  /** The channel's topic and key. */
  readonly derived: DerivedChannel
  private readonly env: ChannelEnvironment
  private readonly onLeave: () => void
  private readonly inbound: InboundOrderer<FrameContents>
  private readonly senderId: Uint8Array
  /** Frames opened by the validator, picked up by `deliver` (same object). */
  private readonly opened = new WeakMap<Uint8Array, FrameContents>()
  private readonly unsubscribe: () => void
  private counter = 0
  private listener: Listener | undefined
  private closed = false
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private flushAt: number | undefined
  private publishing: Promise<void> = Promise.resolve()

  constructor (derived: DerivedChannel, env: ChannelEnvironment, options: InboundOptions, onLeave: () => void) {
    this.derived = derived
    this.env = env
    this.onLeave = onLeave
    this.inbound = new InboundOrderer(options)
    this.senderId = env.randomBytes(SENDER_ID_BYTES)
    this.unsubscribe = env.port.join(derived.topic, {
      validate: (data, source) => this.validate(data, source),
      deliver: (data) => { this.deliver(data) }
    })
  }

  /** True once `leave()` was called. */
  get isClosed (): boolean {
    return this.closed
  }

  setListener (listener: Listener): void {
    if (this.closed) throw new ChannelClosedError()
    if (typeof listener !== 'function') throw new TypeError('setListener expects a function')
    this.listener = listener
  }

  send (data: Uint8Array): void {
    if (this.closed) throw new ChannelClosedError()
    if (!(data instanceof Uint8Array)) throw new TypeError('send expects a Uint8Array')
    if (data.byteLength > MAX_MESSAGE_SIZE) throw new MessageTooLargeError(data.byteLength, MAX_MESSAGE_SIZE)
    this.env.stats.sent++
    this.publishFrame(FrameKind.Data, data)
  }

  /** Sends a control frame (kind ≠ data) to the other members; ignored after leave. */
  sendControl (kind: number, payload: Uint8Array): void {
    if (this.closed || kind === FrameKind.Data) return
    this.publishFrame(kind, payload)
  }

  private publishFrame (kind: number, payload: Uint8Array): void {
    // at once: "connected at send time" is the time of this call
    this.sealAndPublish(kind, payload)
  }

  private sealAndPublish (kind: number, payload: Uint8Array): void {
    const frame = sealFrame(this.derived.key, this.derived.topic, this.env.randomBytes(NONCE_BYTES), {
      kind,
      senderId: this.senderId,
      counter: this.counter++,
      timestamp: this.env.now(),
      payload
    })
    // Publishes are chained so frames leave in counter order.
    this.publishing = this.publishing.then(async () => {
      await this.env.port.publish(this.derived.topic, frame)
    }).catch((err: unknown) => {
      this.env.stats.publishErrors++
      this.env.onError('publish failed', err)
    })
  }

  leave (): void {
    if (this.closed) return
    this.env.onLeaving(this)
    this.closed = true
    this.listener = undefined
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.unsubscribe()
    this.onLeave()
  }

  private validate (data: Uint8Array, source: FrameSource): ValidationResult {
    const result = openFrame(this.derived.key, this.derived.topic, data)
    if (!result.ok) {
      this.env.stats.dropped[result.error]++
      return 'reject'
    }
    const frame = result.frame
    const meta = { senderId: frame.senderId, counter: frame.counter, timestamp: frame.timestamp, size: data.byteLength }
    // Judged and charged here, where gossipsub decides about forwarding.
    const verdict = this.inbound.admit(meta, source, this.env.now())
    if (verdict !== 'accept') {
      this.env.stats.dropped[verdict]++
      return 'ignore'
    }
    this.opened.set(data, frame)
    return 'accept'
  }

  private deliver (data: Uint8Array): void {
    const frame = this.opened.get(data)
    this.opened.delete(data)
    if (frame === undefined || this.closed) return
    // Every kind takes part in ordering: counters are per sender, not per kind.
    const overflows = this.inbound.overflows
    const ready = this.inbound.push(frame.senderId, frame.counter, frame.timestamp, frame, this.env.now(), data.byteLength)
    this.env.stats.dropped.bufferFull += this.inbound.overflows - overflows
    this.emit(ready)
    this.scheduleFlush()
  }

  private emit (frames: FrameContents[]): void {
    for (const frame of frames) {
      if (frame.kind !== FrameKind.Data) {
        this.env.onControl(this, frame.kind, frame.payload)
        continue
      }
      this.env.stats.delivered++
      const listener = this.listener
      if (listener === undefined) continue
      try {
        listener(frame.payload)
      } catch (err) {
        this.env.stats.listenerErrors++
        this.env.onError('realtime listener threw', err)
      }
    }
  }

  private scheduleFlush (): void {
    const deadline = this.inbound.nextDeadline()
    if (deadline === this.flushAt) return
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.flushAt = deadline
    if (deadline === undefined) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flushAt = undefined
      if (this.closed) return
      this.emit(this.inbound.flush(this.env.now()))
      this.scheduleFlush()
    }, Math.max(0, deadline - this.env.now()))
  }
}
