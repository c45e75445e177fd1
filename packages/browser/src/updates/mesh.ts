/**
 * `MeshUpdates`: the updates of one chat-and-app pair shared among its open
 * instances over a realtime channel of their own (`PROTOCOL.md`). The log
 * lives in memory: an instance opened later gets the earlier updates from
 * the instances open at that time, by a sync request; nothing is stored on
 * disk or on relays.
 *
 * - `send` records the update at once (the listener hears it, and it is
 *   offered on sync) and broadcasts it. Those made before this instance
 *   first heard another one (before the channel was bound, or while the mesh
 *   was forming) are broadcast again when the channel is bound, with each
 *   sync request, and once more when another instance is first heard.
 * - When the channel is bound, the instance asks for the others' updates
 *   (`sync`) until a log answer arrives (`SYNC_REQUEST_DELAYS_MS`), and again
 *   when members appear after a time alone (they ask too).
 * - Members answer a request after a random delay, with the updates of their
 *   log that no answer carried since the request, in chunks of at most
 *   128 000 bytes, paced (`SYNC_ANSWER_RATE`). A member that hears another
 *   one's answer waits until the answers are quiet, then sends what is still
 *   missing. So usually about one copy of each update crosses the channel per
 *   request, and the answers of all members together carry the union of
 *   their logs.
 * - Everything received goes through `parseUpdatesMessage`; what it refuses
 *   is dropped and counted (`stats().garbage`).
 */
import { TokenBucket } from '@rtmesh/core/portable'
import type { ChannelIdentity, RealtimeListener, RealtimeNode } from '@rtmesh/core/portable'
import { MAX_MESSAGE_SIZE } from '@rtmesh/core/portable'
import type { ReceivedStatusUpdate, SendingStatusUpdate } from '@webxdc/types'
import {
  CARRIED_TTL_MS, MAX_ANSWER_REQUESTERS, MEMBER_POLL_MS, SYNC_ANSWER_JITTER_MS, SYNC_ANSWER_MAX_DEFER_MS, SYNC_ANSWER_QUIET_MS, SYNC_ANSWER_RATE,
  SYNC_MIN_INTERVAL_MS, SYNC_REQUEST_DELAYS_MS, UPDATES_APP_SUFFIX
} from './constants.ts'
import type { LogEntry, LogLimits } from './log.ts'
import type { UpdateService } from './service.ts'
import { UpdateStore } from './store.ts'
import { LOG_OVERHEAD_BYTES, encodeLog, encodeSync, encodeUpdate, logEntryBytes, newUpdateId, parseUpdatesMessage } from './wire.ts'
import type { CheckedUpdate } from './wire.ts'

/** The realtime channel that carries the updates of a chat-and-app pair: same secret and chat, app id + `"\u0000updates"`. */
export function updatesChannelIdentity (identity: ChannelIdentity): ChannelIdentity {
  return { secret: identity.secret, chatId: identity.chatId, appId: identity.appId + UPDATES_APP_SUFFIX }
}

/** Counters of one `MeshUpdates`. */
export interface UpdateStats {
  /** Updates in the log, and their serialized bytes. */
  updates: number
  bytes: number
  /** Messages received that parsed. */
  received: number
  /** Messages dropped by the parser (not UTF-8 JSON of this protocol, bad ids, bad or oversize updates). */
  garbage: number
  /** Updates learned from the mesh, and those received again (already known or forgotten). */
  learned: number
  duplicates: number
  /** Messages sent: own updates, sync requests, log answer chunks. */
  sentUpdates: number
  syncRequests: number
  logChunks: number
  /** Sends the channel refused (the node stopped). */
  sendErrors: number
}

/** Every field optional. */
export interface MeshUpdatesInit {
  /** Bounds of the log. */
  limits?: LogLimits
  /** Errors of listeners and of joining the channel. Default `console.error`. */
  onError?: (err: unknown) => void
  /** Random numbers in [0, 1): answer delays. Default `Math.random`. */
  random?: () => number
}

interface Answer {
  /** Updates carried on the channel after this time need not be sent again. */
  since: number
  /** Serial of the last update considered. */
  after: number
  /** The instances whose requests this answer serves (their repeated requests change nothing). */
  requesters: Set<string>
}

type State = 'idle' | 'starting' | 'bound' | 'stopped'

export class MeshUpdates implements UpdateService {
  private readonly node: Promise<RealtimeNode> | RealtimeNode
  private readonly identity: ChannelIdentity
  private readonly store: UpdateStore
  private readonly onError: (err: unknown) => void
  private readonly random: () => number
  /** This instance's id in sync requests. */
  private readonly instanceId = newUpdateId()
  private readonly counters: Omit<UpdateStats, 'updates' | 'bytes'> = {
    received: 0, garbage: 0, learned: 0, duplicates: 0, sentUpdates: 0, syncRequests: 0, logChunks: 0, sendErrors: 0
  }

  /** When each update was last seen or sent on the channel. */
  private readonly carried = new Map<string, number>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly bucket = new TokenBucket(SYNC_ANSWER_RATE.burst, 0)
  private state: State = 'idle'
  private channel: RealtimeListener | undefined
  private bound: RealtimeNode | undefined
  /** A log answer arrived since the channel was bound. */
  private answered = false
  /** A message arrived since the channel was bound (the others can hear us). */
  private contacted = false
  /**
   * Own updates made before another instance was heard (before the channel
   * was bound, or while the mesh was forming): sent again with each sync
   * request, and once more when another instance is first heard.
   */
  private readonly early = new Set<string>()
  private hadMembers = false
  private lastRequestAt = -Infinity
  private answer: Answer | undefined
  /** When a log answer (anybody's) last arrived. */
  private lastLogAt = -Infinity

  /** `node` may still be starting; `identity` is the app's (the updates channel is derived from it). */
  constructor (node: Promise<RealtimeNode> | RealtimeNode, identity: ChannelIdentity, init: MeshUpdatesInit = {}) {
    this.node = node
    this.identity = updatesChannelIdentity(identity)
    this.onError = init.onError ?? ((err) => { console.error('rtmesh updates:', err) })
    this.random = init.random ?? Math.random
    this.store = new UpdateStore({
      ...(init.limits === undefined ? {} : { limits: init.limits }),
      onError: this.onError,
      onSent: (entry) => { this.broadcast(entry) }
    })
  }

  send (update: SendingStatusUpdate<unknown>): void {
    this.start()
    this.store.send(update)
  }

  listen (since: number, listener: (update: ReceivedStatusUpdate<unknown>) => void): { ready: Promise<void>, stop: () => void } {
    this.start()
    return this.store.listen(since, listener)
  }

  all (): Array<ReceivedStatusUpdate<unknown>> {
    this.start()
    return this.store.all()
  }

  stats (): UpdateStats {
    return { updates: this.store.log.count, bytes: this.store.log.bytes, ...this.counters }
  }

  /**
   * Joins the updates channel once the node is up; the first `send`,
   * `listen` or `all` calls it, so an app that never uses updates costs
   * nothing. Idempotent, and a no-op after `stop()`; updates sent before the
   * node is up are kept and shared once it is.
   */
  start (): void {
    if (this.state !== 'idle') return
    this.state = 'starting'
    Promise.resolve(this.node).then((node) => { this.bind(node) }, () => {
      // the node's owner reports why it did not start; updates stay local
    })
  }

  /** Leaves the channel and cancels every timer; the log stays readable. Idempotent. */
  stop (): void {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.answer = undefined
    const channel = this.channel
    this.channel = undefined
    this.bound = undefined
    try {
      channel?.leave()
    } catch (err) {
      this.onError(err)
    }
  }

  private bind (node: RealtimeNode): void {
    if (this.state !== 'starting') return
    try {
      const channel = node.webxdc(this.identity).joinRealtimeChannel()
      channel.setListener((data) => { this.onData(data) })
      this.channel = channel
    } catch (err) {
      this.onError(err)
      return
    }
    this.bound = node
    this.state = 'bound'
    this.sendEarly()
    for (const delay of SYNC_REQUEST_DELAYS_MS) {
      this.later(delay, () => { if (!this.answered) this.request() })
    }
    this.pollMembers()
  }

  private later (ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      try {
        run()
      } catch (err) {
        this.onError(err)
      }
    }, ms)
    this.timers.add(timer)
  }

  private publish (data: Uint8Array): boolean {
    if (this.channel === undefined) return false
    try {
      this.channel.send(data)
      return true
    } catch {
      this.counters.sendErrors++
      return false
    }
  }

  private markCarried (id: string, now: number): void {
    if (!this.store.log.has(id)) return
    this.carried.delete(id)
    this.carried.set(id, now)
    if (this.carried.size <= this.store.log.count) return
    // least recently carried first: forget updates gone from the log, and times long past
    for (const [old, at] of this.carried) {
      if (this.carried.size <= this.store.log.count) break
      if (at > now - CARRIED_TTL_MS && this.store.log.has(old)) break
      this.carried.delete(old)
    }
  }

  private broadcast (entry: LogEntry): void {
    if (!this.contacted) {
      this.early.add(entry.id)
      if (this.early.size > this.store.log.count) {
        for (const id of this.early) if (!this.store.log.has(id)) this.early.delete(id)
      }
    }
    if (this.channel === undefined) return
    if (this.publish(encodeUpdate(entry.id, entry))) {
      this.counters.sentUpdates++
      this.markCarried(entry.id, Date.now())
    }
  }

  private onData (data: Uint8Array): void {
    const message = parseUpdatesMessage(data)
    if (message === undefined) {
      this.counters.garbage++
      return
    }
    this.counters.received++
    if (!this.contacted) {
      // the others hear us now: our updates from before the channel was bound, once more
      this.contacted = true
      this.sendEarly()
      this.early.clear()
    }
    switch (message.type) {
      case 'update':
        this.learn(message.id, message.update)
        break
      case 'log':
        this.answered = true
        this.lastLogAt = Date.now()
        for (const { id, update } of message.updates) this.learn(id, update)
        break
      case 'sync':
        this.offer(message.from)
        break
    }
  }

  private learn (id: string, update: CheckedUpdate): void {
    const entry = this.store.receive(id, update)
    if (entry === undefined) this.counters.duplicates++
    else this.counters.learned++
    this.markCarried(id, Date.now())
  }

  private request (): void {
    const now = Date.now()
    if (now - this.lastRequestAt < SYNC_MIN_INTERVAL_MS) return
    this.lastRequestAt = now
    if (this.publish(encodeSync(this.instanceId))) this.counters.syncRequests++
    // until someone is heard, our own updates made before the channel was bound ride along
    if (!this.contacted) this.sendEarly()
  }

  private sendEarly (): void {
    for (const entry of this.store.log.after(0)) {
      if (this.early.has(entry.id)) this.broadcast(entry)
    }
  }

  private pollMembers (): void {
    const node = this.bound
    if (node === undefined) return
    if (node.libp2p.status !== 'started') {
      // the node was stopped under us: so are we
      this.stop()
      return
    }
    const members = node.members(this.identity).length > 0
    // members after a time alone (or the first ones): ask them for their updates (they ask us too)
    if (members && !this.hadMembers) this.request()
    this.hadMembers = members
    this.later(MEMBER_POLL_MS, () => { this.pollMembers() })
  }

  /**
   * Answers `requester`'s sync request: sends, after a random delay, the
   * updates of the log no answer carried since now. While an answer is
   * under way, a request from an instance it does not serve yet starts it
   * over (that instance may have missed the part already sent); a repeated
   * request changes nothing.
   */
  private offer (requester: string): void {
    if (this.channel === undefined || this.store.log.count === 0) return
    const answer = this.answer
    if (answer !== undefined) {
      if (answer.requesters.has(requester)) return
      if (answer.requesters.size < MAX_ANSWER_REQUESTERS) answer.requesters.add(requester)
      answer.since = Date.now()
      answer.after = 0
      return
    }
    this.answer = { since: Date.now(), after: 0, requesters: new Set([requester]) }
    this.later(this.random() * SYNC_ANSWER_JITTER_MS, () => { this.pump() })
  }

  /** Sends the next chunk of the answer under way, as the rate allows. */
  private pump (): void {
    const answer = this.answer
    if (answer === undefined || this.channel === undefined) return
    const now = Date.now()
    if (this.lastLogAt > answer.since && now - this.lastLogAt < SYNC_ANSWER_QUIET_MS && now - answer.since < SYNC_ANSWER_MAX_DEFER_MS) {
      // another member is answering: let it stream, then send what it did not carry
      this.later(SYNC_ANSWER_QUIET_MS - (now - this.lastLogAt) + this.random() * SYNC_ANSWER_JITTER_MS, () => { this.pump() })
      return
    }
    const chunk: LogEntry[] = []
    let bytes = LOG_OVERHEAD_BYTES
    let last = answer.after
    for (const entry of this.store.log.after(answer.after)) {
      if ((this.carried.get(entry.id) ?? -Infinity) > answer.since) {
        last = entry.serial
        continue
      }
      const cost = logEntryBytes(entry.size)
      if (bytes + cost > MAX_MESSAGE_SIZE) break
      chunk.push(entry)
      bytes += cost
      last = entry.serial
    }
    if (chunk.length === 0) {
      this.answer = undefined
      return
    }
    const level = this.bucket.level(SYNC_ANSWER_RATE, now)
    if (level < bytes) {
      this.later(Math.ceil(((bytes - level) / SYNC_ANSWER_RATE.rate) * 1_000), () => { this.pump() })
      return
    }
    this.bucket.take(SYNC_ANSWER_RATE, bytes, now)
    if (this.publish(encodeLog(chunk))) {
      this.counters.logChunks++
      for (const entry of chunk) this.markCarried(entry.id, now)
    }
    answer.after = last
    this.later(0, () => { this.pump() })
  }
}
