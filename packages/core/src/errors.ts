/**
 * Named errors thrown by the public API. Match them with `instanceof` or by
 * `.name`, never by message text.
 */

/** `joinRealtimeChannel()` was called while a channel of the same chat-and-app pair is active. */
export class ChannelActiveError extends Error {
  static readonly NAME = 'ChannelActiveError'
  override name = ChannelActiveError.NAME
  constructor (message = 'a realtime channel is already active for this app; call leave() first') {
    super(message)
  }
}

/** `send()` or `setListener()` was called on a channel after `leave()`. */
export class ChannelClosedError extends Error {
  static readonly NAME = 'ChannelClosedError'
  override name = ChannelClosedError.NAME
  constructor (message = 'this realtime channel was left; call joinRealtimeChannel() again to rejoin') {
    super(message)
  }
}

/** `send()` was given more than 128 000 bytes. */
export class MessageTooLargeError extends Error {
  static readonly NAME = 'MessageTooLargeError'
  override name = MessageTooLargeError.NAME
  readonly size: number
  readonly limit: number
  constructor (size: number, limit: number) {
    super(`realtime data of ${size} bytes exceeds the limit of ${limit} bytes`)
    this.size = size
    this.limit = limit
  }
}

/** An option given to `createRealtimeNode`, `node.webxdc` or `deriveChannel` is invalid. */
export class InvalidOptionError extends Error {
  static readonly NAME = 'InvalidOptionError'
  override name = InvalidOptionError.NAME
  readonly option: string
  constructor (option: string, message: string) {
    super(`${option}: ${message}`)
    this.option = option
  }
}

/** The realtime node was stopped; it can no longer join channels. */
export class NodeStoppedError extends Error {
  static readonly NAME = 'NodeStoppedError'
  override name = NodeStoppedError.NAME
  constructor (message = 'the realtime node was stopped') {
    super(message)
  }
}
