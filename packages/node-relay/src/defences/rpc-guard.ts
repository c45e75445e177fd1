/**
 * Makes malformed and oversized gossipsub RPCs cost their sender. Gossipsub
 * drops an RPC it cannot decode with a debug line and no penalty, and stops
 * reading a stream whose next RPC is over its size limit, also with no
 * penalty: garbage costs the sender nothing. This guard watches the bytes of
 * every inbound pubsub stream (libp2p stream middleware), splits them into
 * RPCs as gossipsub does (`rpc-frames.ts`), counts each refused one as a
 * strike against the sending peer, and bans a peer (the relay's `Guard`:
 * disconnect, refuse for the ban period) at `STRIKE_LIMIT` strikes within
 * `STRIKE_WINDOW_MS`.
 */
import { MAX_INBOUND_RPC_BYTES } from '@rtmesh/core'
import type { Connection, Libp2p, PeerId, Stream, StreamMessageEvent, StreamMiddleware } from '@libp2p/interface'
import type { Logger } from 'pino'
import { isUint8ArrayList } from 'uint8arraylist'
import type { Guard } from './guard.ts'
import type { RelayMetrics } from '../metrics.ts'
import { RpcSplitter, isFatal } from './rpc-frames.ts'
import type { RpcVerdict } from './rpc-frames.ts'

/**
 * The protocols gossipsub 17.1.1 handles, all with the same inbound decoder
 * (dist/src/constants.js: GossipsubIDv10…v12, and FloodsubID because
 * `fallbackToFloodsub` is on by default).
 */
export const PUBSUB_PROTOCOLS = ['/meshsub/1.0.0', '/meshsub/1.1.0', '/meshsub/1.2.0', '/floodsub/1.0.0'] as const

/**
 * Largest RPC the relay reads, and its gossipsub `maxInboundDataLength`
 * (gossipsub's default: 4 MiB, 32 full frames' worth of parsing per RPC).
 * One full frame (MAX_FRAME_SIZE, 128 074 bytes, plus ~100 bytes of message
 * and topic fields) and room for control: a full IDONTWANT (512 ids × 34
 * bytes = 17 KiB) and one subscription RPC for 1 024 channel topics (79
 * bytes each, 79 KiB: a federated relay's, at gossipsub's per-peer topic
 * budget) come to about 225 KiB. It is core's `MAX_INBOUND_RPC_BYTES`, what
 * every rtmesh node reads.
 */
export const MAX_RPC_BYTES = MAX_INBOUND_RPC_BYTES

/**
 * Strikes within the window that get a peer banned. An honest peer sends
 * none (its RPCs come from the same codec, over an authenticated channel
 * that corrupts nothing); three leave room for a peer with one bug, not
 * for a stream of garbage.
 */
export const STRIKE_LIMIT = 3
/** A peer's strikes are forgotten this long after its first one: two refused RPCs a minute cost an attacker nothing but cost us only two decodes. */
export const STRIKE_WINDOW_MS = 60_000
/** Peers with strikes tracked at once (the relay's default connection limit); past it the oldest are forgotten. */
export const MAX_STRUCK_PEERS = 4_096
/** Warn lines about strikes: this many at once, refilled at one per second (a botnet of fresh peer ids cannot flood the log). */
const LOG_BURST = 20
const LOG_PER_SECOND = 1

interface StrikeRecord {
  count: number
  /** When the window of this record started (its first strike). */
  since: number
}

/** Strikes per peer within a window, bounded in size. Pure: the clock is an argument. */
export class StrikeTable {
  /** Insertion order is `since` order: a record is re-inserted when its window restarts. */
  private readonly records = new Map<string, StrikeRecord>()
  private readonly limit: number
  private readonly windowMs: number
  private readonly maxPeers: number

  constructor (limit = STRIKE_LIMIT, windowMs = STRIKE_WINDOW_MS, maxPeers = MAX_STRUCK_PEERS) {
    this.limit = limit
    this.windowMs = windowMs
    this.maxPeers = maxPeers
  }

  /** Records a strike; returns the peer's count in the current window. At the limit the record is dropped (the ban takes over). */
  strike (peer: string, now: number): number {
    let record = this.records.get(peer)
    if (record === undefined || now - record.since > this.windowMs) {
      this.records.delete(peer)
      record = { count: 0, since: now }
      this.records.set(peer, record)
    }
    const count = ++record.count
    if (count >= this.limit) this.records.delete(peer)
    this.evict(now)
    return count
  }

  forget (peer: string): void {
    this.records.delete(peer)
  }

  get size (): number {
    return this.records.size
  }

  private evict (now: number): void {
    for (const [peer, record] of this.records) {
      if (now - record.since <= this.windowMs && this.records.size <= this.maxPeers) return
      this.records.delete(peer)
    }
  }
}

/** A token bucket for log lines. */
class LogBudget {
  private tokens = LOG_BURST
  private last = 0
  suppressed = 0

  take (now: number): boolean {
    this.tokens = Math.min(LOG_BURST, this.tokens + ((now - this.last) / 1_000) * LOG_PER_SECOND)
    this.last = now
    if (this.tokens < 1) {
      this.suppressed++
      return false
    }
    this.tokens--
    return true
  }
}

export interface RpcGuardDeps {
  libp2p: Libp2p
  guard: Guard
  metrics: RelayMetrics
  log: Logger
  /** Defaults to MAX_RPC_BYTES; must equal the relay's gossipsub `maxInboundDataLength`. */
  maxRpcBytes?: number
  /** Injected for tests. */
  now?: () => number
}

export class RpcGuard {
  private readonly deps: RpcGuardDeps
  private readonly maxRpcBytes: number
  private readonly now: () => number
  private readonly strikes = new StrikeTable()
  private readonly logBudget = new LogBudget()
  private protocols: string[] = []
  private readonly middleware: StreamMiddleware = (stream, connection, next) => {
    try {
      this.watch(stream, connection)
    } catch (err) {
      this.internalError(err)
    }
    next(stream, connection)
  }

  constructor (deps: RpcGuardDeps) {
    this.deps = deps
    this.maxRpcBytes = deps.maxRpcBytes ?? MAX_RPC_BYTES
    this.now = deps.now ?? Date.now
  }

  /** Watches streams opened from now on. */
  start (): void {
    const registered = this.deps.libp2p.getProtocols().filter((p) => p.startsWith('/meshsub/') || p.startsWith('/floodsub/'))
    this.protocols = [...new Set([...PUBSUB_PROTOCOLS, ...registered])]
    for (const protocol of this.protocols) this.deps.libp2p.use(protocol, this.middleware)
  }

  stop (): void {
    for (const protocol of this.protocols) this.deps.libp2p.unuse(protocol)
    this.protocols = []
  }

  private watch (stream: Stream, connection: Connection): void {
    // libp2p 3.3.11 hands every stream of a protocol the one registered
    // middleware array and appends the protocol handler to it on each inbound
    // stream (js-libp2p#3534): a later stream, outbound ones included, would
    // run gossipsub's inbound handler on itself (and gossipsub would then drop
    // the peer's real inbound stream). So every stream, whatever its
    // direction, leaves the registrar a fresh array for the next one; this
    // runs synchronously between the registrar handing out the array and the
    // next stream asking for one.
    if (this.protocols.includes(stream.protocol)) this.deps.libp2p.use(stream.protocol, this.middleware)
    if (stream.direction !== 'inbound') return

    const peer = connection.remotePeer
    if (this.deps.guard.isBanned(peer)) {
      stream.abort(new BannedPeerStreamError())
      return
    }
    const splitter = new RpcSplitter(this.maxRpcBytes)
    // Observe what the stream delivers to its readers, when it delivers it,
    // rather than adding a 'message' listener: a listener added before
    // gossipsub's makes the stream hand out already-buffered bytes (sent
    // along with protocol negotiation) before gossipsub listens, and
    // gossipsub would never see them. The stream dispatches 'message' only
    // when someone listens, so this sees exactly the bytes gossipsub gets.
    const dispatch = stream.dispatchEvent.bind(stream)
    stream.dispatchEvent = (event: Event): boolean => {
      const delivered = dispatch(event)
      if (event.type === 'message' && !splitter.stopped) {
        try {
          this.inspect(splitter, event, stream, connection)
        } catch (err) {
          this.internalError(err)
        }
      }
      return delivered
    }
  }

  private inspect (splitter: RpcSplitter, event: Event, stream: Stream, connection: Connection): void {
    const data: unknown = (event as Partial<StreamMessageEvent>).data
    if (!(data instanceof Uint8Array) && !isUint8ArrayList(data)) return
    for (const verdict of splitter.push(data)) {
      if (verdict === 'ok') continue
      this.strike(connection, verdict)
      if (isFatal(verdict) && stream.status === 'open') {
        // gossipsub reads nothing more from this stream: stop the sender filling it
        stream.abort(new RefusedRpcStreamError(verdict))
      }
      if (this.deps.guard.isBanned(connection.remotePeer)) return
    }
  }

  private strike (connection: Connection, reason: RpcVerdict): void {
    const { metrics, guard } = this.deps
    const peer = connection.remotePeer
    const id = peer.toString()
    const now = this.now()
    metrics.rpcsRefused.inc({ reason })
    if (guard.isBanned(peer)) return
    const count = this.strikes.strike(id, now)
    const banned = count >= STRIKE_LIMIT
    if (banned) {
      metrics.peersDisconnected.inc({ reason: 'rpc' })
      this.ban(peer)
    }
    if (this.logBudget.take(now)) {
      const suppressed = this.logBudget.suppressed
      this.logBudget.suppressed = 0
      this.deps.log.warn({ peer: id, addr: connection.remoteAddr.toString(), reason, strikes: count, banned, suppressed },
        banned ? 'refused gossipsub RPC; disconnecting misbehaving peer' : 'refused gossipsub RPC')
    }
  }

  private ban (peer: PeerId): void {
    this.deps.guard.ban(peer).catch((err: unknown) => { this.internalError(err) })
  }

  private internalError (err: unknown): void {
    if (this.logBudget.take(this.now())) this.deps.log.error({ err }, 'rpc guard error')
  }
}

/** Aborts a pubsub stream whose framing gossipsub gave up on (an oversize or unreadable length prefix). */
export class RefusedRpcStreamError extends Error {
  static readonly NAME = 'RefusedRpcStreamError'
  override name = RefusedRpcStreamError.NAME
  readonly reason: RpcVerdict
  constructor (reason: RpcVerdict) {
    super(`pubsub stream refused: ${reason} RPC`)
    this.reason = reason
  }
}

/** Aborts a pubsub stream opened by a peer that is banned. */
export class BannedPeerStreamError extends Error {
  static readonly NAME = 'BannedPeerStreamError'
  override name = BannedPeerStreamError.NAME
  constructor () {
    super('pubsub stream from a banned peer')
  }
}
