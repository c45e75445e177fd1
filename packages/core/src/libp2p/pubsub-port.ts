/**
 * The narrow port through which a channel uses a pubsub router. The libp2p
 * gossipsub adapter (`gossipsub-port.ts`) implements it; tests may implement
 * it in memory.
 */

/** A topic validator's verdict, as in gossipsub. */
export type ValidationResult = 'accept' | 'reject' | 'ignore'

/**
 * The peer a frame arrived from (gossipsub's propagation source, not its
 * author): budgets are kept per source.
 */
export interface FrameSource {
  /** Opaque and stable per peer (the adapter uses the peer id). */
  id: string
  /** True if the peer is a relay: it forwards many members, and gets a larger budget. */
  relay: boolean
}

export interface TopicHandlers {
  /**
   * Judges a frame before it is delivered or forwarded: `reject` penalizes
   * the peer that sent it, `ignore` drops it silently. Must be synchronous
   * and fast. The same `data` object is then passed to `deliver`.
   */
  validate: (data: Uint8Array, source: FrameSource) => ValidationResult
  /** Receives each accepted frame once. */
  deliver: (data: Uint8Array) => void
}

export interface PubSubPort {
  /** Subscribes to `topic` with these handlers; the returned function unsubscribes. */
  join: (topic: string, handlers: TopicHandlers) => () => void
  /** Publishes to the topic's current peers; resolves once handed to the network. */
  publish: (topic: string, data: Uint8Array) => Promise<void>
}
