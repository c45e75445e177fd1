/**
 * Carries out one channel machine's effects on libp2p: publishes in order,
 * hands payloads, presence events and connection states to the app's
 * handle, dials members, keeps the machine's one timer, and feeds it frames
 * from the topic validator.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ChannelHandle } from '../api/handle.ts'
import type { ChannelEvent, ChannelMachine, Effect, ValidationResult } from '../proto/machine.ts'
import type { RealtimeStats } from '../proto/stats.ts'
import type { ChannelTopics } from './topics.ts'

/** What a channel runtime uses of the node. */
export interface RuntimeContext {
  topics: ChannelTopics
  stats: RealtimeStats
  log: Logger
  now: () => number
  isRelay: (peer: PeerId) => boolean
  dial: (addrs: Multiaddr[]) => Promise<unknown>
  /** Called after the channel's connection state changed (and was handed to the app). */
  connectionChanged: () => void
}

export class ChannelRuntime {
  readonly machine: ChannelMachine
  private readonly context: RuntimeContext
  private readonly handle: ChannelHandle
  private timer: ReturnType<typeof setTimeout> | undefined
  private publishing: Promise<void> = Promise.resolve()

  constructor (machine: ChannelMachine, handle: ChannelHandle, context: RuntimeContext) {
    this.machine = machine
    this.handle = handle
    this.context = context
    context.topics.join(machine.derived.topic, (data, peer) => this.validate(data, peer))
    this.run(machine.start(context.now()))
  }

  /** Feeds an event to the machine and carries out the effects. */
  dispatch (event: ChannelEvent): void {
    this.run(this.machine.handle(event, this.context.now()))
  }

  private validate (data: Uint8Array, peer: PeerId): ValidationResult {
    const effects = this.machine.handle({ type: 'frame', data, source: { id: peer.toString(), relay: this.context.isRelay(peer) } }, this.context.now())
    let verdict: ValidationResult = 'ignore'
    const rest: Effect[] = []
    for (const effect of effects) {
      if (effect.type === 'verdict') verdict = effect.verdict
      else rest.push(effect)
    }
    // gossipsub waits for the verdict; listeners run just after it
    if (rest.length > 0) queueMicrotask(() => { this.run(rest) })
    return verdict
  }

  private run (effects: Effect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'publish': this.publish(effect.frame); break
        case 'deliver': this.deliver(effect.payload); break
        case 'dial': this.dialMember(effect.peerId, effect.addrs); break
        case 'schedule': this.schedule(effect.at); break
        case 'left': this.context.topics.leave(this.machine.derived.topic); break
        case 'presence': this.handle.dispatchPresence(effect.event, this.listenerError); break
        case 'connection':
          this.handle.dispatchConnection(effect.state, this.listenerError)
          this.context.connectionChanged()
          break
        case 'verdict': break
      }
    }
  }

  private publish (frame: Uint8Array): void {
    const { topics, stats, log } = this.context
    const topic = this.machine.derived.topic
    // chained so frames leave in counter order
    this.publishing = this.publishing.then(async () => { await topics.publish(topic, frame) }).catch((err: unknown) => {
      stats.publishErrors++
      log.error('publish failed: %e', err)
    })
  }

  private deliver (payload: Uint8Array): void {
    try {
      this.handle.dispatch(payload)
    } catch (err) {
      this.listenerError(err)
    }
  }

  private readonly listenerError = (err: unknown): void => {
    this.context.stats.listenerErrors++
    this.context.log.error('realtime listener threw: %e', err)
  }

  private dialMember (peerId: string, addrs: Multiaddr[]): void {
    this.context.dial(addrs).then(
      () => { this.dispatch({ type: 'dialed', peerId, ok: true }) },
      (err: unknown) => {
        this.context.log('direct dial to member %s failed: %e', peerId, err)
        this.dispatch({ type: 'dialed', peerId, ok: false })
      }
    )
  }

  private schedule (at: number | undefined): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (at === undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.dispatch({ type: 'timer' })
    }, Math.max(0, at - this.context.now()))
  }
}
