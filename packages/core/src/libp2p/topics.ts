/**
 * Gossipsub subscriptions of channel topics: one validator per topic, and a
 * linger after the last leave so that a quick rejoin does not run into
 * gossipsub's prune and unsubscribe backoffs.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { ValidationResult } from '../proto/machine.ts'
import { registerChannelTopicScore, unregisterChannelTopicScore } from './gossipsub-options.ts'

const VERDICTS: Record<ValidationResult, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore
}

/** Judges one frame from `peer`; synchronous. */
export type TopicValidator = (data: Uint8Array, peer: PeerId) => ValidationResult

export interface ChannelTopicsOptions {
  /**
   * Peers that forward frames they cannot authenticate (relays): a frame
   * from them that fails validation is ignored instead of rejected, so that
   * an outsider injecting garbage through a relay cannot get the relay
   * graylisted by the members.
   */
  isRelay: (peer: PeerId) => boolean
  /** How long to stay subscribed (judging and forwarding) after a leave. */
  lingerMs: number
}

interface Entry {
  validate: TopicValidator
  lingerTimer: ReturnType<typeof setTimeout> | undefined
}

export class ChannelTopics {
  private readonly pubsub: GossipSub
  private readonly options: ChannelTopicsOptions
  private readonly topics = new Map<string, Entry>()

  constructor (pubsub: GossipSub, options: ChannelTopicsOptions) {
    this.pubsub = pubsub
    this.options = options
  }

  /** Subscribes to `topic` (or takes over its lingering subscription) with `validate`. */
  join (topic: string, validate: TopicValidator): void {
    const existing = this.topics.get(topic)
    if (existing !== undefined) {
      clearTimeout(existing.lingerTimer)
      existing.lingerTimer = undefined
      existing.validate = validate
      return
    }
    const entry: Entry = { validate, lingerTimer: undefined }
    this.topics.set(topic, entry)
    registerChannelTopicScore(this.pubsub, topic)
    this.pubsub.topicValidators.set(topic, (peer, msg) => {
      const verdict = entry.validate(msg.data, peer)
      return verdict === 'reject' && this.options.isRelay(peer) ? TopicValidatorResult.Ignore : VERDICTS[verdict]
    })
    this.pubsub.subscribe(topic)
  }

  /** Starts the linger of `topic`; `validate` keeps judging until it ends. */
  leave (topic: string): void {
    const entry = this.topics.get(topic)
    if (entry === undefined || entry.lingerTimer !== undefined) return
    entry.lingerTimer = setTimeout(() => { this.drop(topic) }, this.options.lingerMs)
  }

  async publish (topic: string, frame: Uint8Array): Promise<void> {
    await this.pubsub.publish(topic, frame)
  }

  /** Unsubscribes from every topic at once. */
  close (): void {
    for (const topic of [...this.topics.keys()]) this.drop(topic)
  }

  private drop (topic: string): void {
    const entry = this.topics.get(topic)
    if (entry === undefined) return
    clearTimeout(entry.lingerTimer)
    this.topics.delete(topic)
    this.pubsub.topicValidators.delete(topic)
    this.pubsub.unsubscribe(topic)
    unregisterChannelTopicScore(this.pubsub, topic)
  }
}
