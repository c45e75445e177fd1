/**
 * The thin adapter from the `PubSubPort` to libp2p gossipsub.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { registerChannelTopicScore, unregisterChannelTopicScore } from './gossipsub-options.ts'
import type { PubSubPort, TopicHandlers, ValidationResult } from './pubsub-port.ts'

const VERDICTS: Record<ValidationResult, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore
}

export interface GossipsubPortOptions {
  /**
   * Peers that forward frames they cannot authenticate (relays): a frame
   * from them that fails validation is ignored instead of rejected, so that
   * an outsider injecting garbage through a relay cannot get the relay
   * graylisted by the members. Passed to the validator with each frame's
   * source, which then gets a relay's (larger) budget.
   */
  isRelay: (peer: PeerId) => boolean
  /**
   * After the last leave of a topic, stay subscribed (validating and
   * forwarding, delivering nothing) this long, so that a quick rejoin does
   * not run into gossipsub's prune and unsubscribe backoffs.
   */
  lingerMs: number
}

export interface GossipsubPort extends PubSubPort {
  /** Unsubscribes from every topic at once. */
  close: () => void
}

interface TopicEntry {
  handlers: TopicHandlers
  lingerTimer: ReturnType<typeof setTimeout> | undefined
}

const NO_DELIVERY = (): void => {}

export function gossipsubPort (pubsub: GossipSub, options: GossipsubPortOptions): GossipsubPort {
  const topics = new Map<string, TopicEntry>()

  const onMessage = (evt: CustomEvent<Message>): void => {
    topics.get(evt.detail.topic)?.handlers.deliver(evt.detail.data)
  }
  pubsub.addEventListener('message', onMessage)

  const drop = (topic: string): void => {
    const entry = topics.get(topic)
    if (entry === undefined) return
    if (entry.lingerTimer !== undefined) clearTimeout(entry.lingerTimer)
    topics.delete(topic)
    pubsub.topicValidators.delete(topic)
    pubsub.unsubscribe(topic)
    unregisterChannelTopicScore(pubsub, topic)
  }

  return {
    join (topic, handlers) {
      let entry = topics.get(topic)
      if (entry === undefined) {
        entry = { handlers, lingerTimer: undefined }
        topics.set(topic, entry)
        const current = entry
        registerChannelTopicScore(pubsub, topic)
        pubsub.topicValidators.set(topic, (peer, msg) => {
          const relay = options.isRelay(peer)
          const verdict = current.handlers.validate(msg.data, { id: peer.toString(), relay })
          return verdict === 'reject' && relay ? TopicValidatorResult.Ignore : VERDICTS[verdict]
        })
        pubsub.subscribe(topic)
      } else {
        if (entry.lingerTimer !== undefined) clearTimeout(entry.lingerTimer)
        entry.lingerTimer = undefined
        entry.handlers = handlers
      }
      const joined = entry
      let left = false
      return () => {
        if (left || topics.get(topic) !== joined) return
        left = true
        joined.handlers = { validate: joined.handlers.validate, deliver: NO_DELIVERY }
        joined.lingerTimer = setTimeout(() => { drop(topic) }, options.lingerMs)
      }
    },
    async publish (topic, data) {
      await pubsub.publish(topic, data)
    },
    close () {
      for (const topic of [...topics.keys()]) drop(topic)
      pubsub.removeEventListener('message', onMessage)
    }
  }
}
