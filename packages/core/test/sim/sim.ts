/**
 * A deterministic simulation of channel machines on a lossy network: a
 * virtual clock, an event queue, and a seeded PRNG for latency, loss,
 * duplication, dial outcomes, sender ids and nonces. No sockets, no timers:
 * the same seed gives the same run. Each node runs one channel machine per
 * join, exactly as the libp2p adapter does, and records what it delivers.
 *
 * The network models gossipsub as the protocol relies on it: a publish
 * reaches the nodes subscribed at that moment, each copy with its own
 * latency, possibly lost, possibly also over a second path (a duplicate).
 * Each path between two nodes is FIFO, like a gossipsub stream; frames
 * reorder across senders and across the two paths.
 */
import { ChannelMachine } from '../../src/proto/machine.ts'
import type { ChannelEvent, ConnectionState, Effect } from '../../src/proto/machine.ts'
import type { PresenceEvent, PresenceTiming } from '../../src/proto/members.ts'
import type { DerivedChannel } from '../../src/proto/derive.ts'
import { emptyStats } from '../../src/proto/stats.ts'
import type { RealtimeStats } from '../../src/proto/stats.ts'
import type { InboundOptions } from '../../src/proto/inbound.ts'
import { Prng } from '@rtmesh/testkit'

export const T0 = 1_700_000_000_000

export interface NetworkConditions {
  /** Latency of each copy, uniform in [min, max] ms. */
  latency: { min: number, max: number }
  /** Probability that a copy is lost. */
  loss: number
  /** Probability that a copy also arrives over a second path (another neighbour), with its own latency. */
  duplicate: number
}

/** One join of a node: a channel machine and what it delivered. */
export interface Session {
  node: SimNode
  machine: ChannelMachine
  /** The sender name of this join, carried in its payloads. */
  name: string
  joinedAt: number
  leftAt: number | undefined
  sent: number
  delivered: Array<{ payload: string, at: number }>
  /** The presence events this join reported, with the simulation's time. */
  presence: Array<PresenceEvent & { at: number }>
  /** The connection states this join reported. */
  connection: Array<{ state: ConnectionState, at: number }>
}

/** A payload this simulation sent: who, which one, when. */
export interface SentRecord {
  session: Session
  payload: string
  at: number
}

interface Queued {
  at: number
  seq: number
  run: () => void
}

export class SimNode {
  readonly id: string
  readonly sim: Simulation
  /** This node's clock minus the simulation's. */
  readonly clockOffset: number
  readonly stats: RealtimeStats = emptyStats()
  readonly links = new Set<string>()
  session: Session | undefined
  online = true
  private timerGeneration = 0

  constructor (sim: Simulation, id: string, clockOffset: number) {
    this.sim = sim
    this.id = id
    this.clockOffset = clockOffset
  }

  get clock (): number {
    return this.sim.now + this.clockOffset
  }

  join (derived: DerivedChannel, inbound: InboundOptions = {}, directPeers = 6, presenceTiming?: PresenceTiming): Session {
    if (this.session !== undefined && this.session.leftAt === undefined) throw new Error(`${this.id} is already joined`)
    const machine = new ChannelMachine({
      derived,
      selfId: this.id,
      multiaddrs: [`/ip4/10.0.0.1/tcp/1/p2p/${this.id}`],
      directPeers,
      inbound,
      stats: this.stats,
      randomBytes: (n) => this.sim.rng.bytes(n),
      random: () => this.sim.rng.u32() / 2 ** 32,
      presenceTiming
    }, this.clock)
    const session: Session = { node: this, machine, name: `${this.id}#${this.sim.sessions.length}`, joinedAt: this.sim.now, leftAt: undefined, sent: 0, delivered: [], presence: [], connection: [] }
    this.session = session
    this.sim.sessions.push(session)
    this.apply(session, machine.start(this.clock))
    for (const peer of this.links) this.dispatch({ type: 'link', peerId: peer, up: true })
    return session
  }

  send (): SentRecord {
    const session = this.current()
    const payload = `${session.name}:${session.sent++}`
    const record = { session, payload, at: this.sim.now }
    this.sim.sent.push(record)
    this.dispatch({ type: 'send', payload: new TextEncoder().encode(payload) })
    return record
  }

  leave (): void {
    const session = this.current()
    this.dispatch({ type: 'leave' })
    session.leftAt = this.sim.now
  }

  /** Feeds an event to the current machine and carries out its effects. */
  dispatch (event: ChannelEvent): Effect[] {
    const session = this.session
    if (session === undefined) return []
    const effects = session.machine.handle(event, this.clock)
    this.apply(session, effects)
    return effects
  }

  private current (): Session {
    if (this.session === undefined || this.session.leftAt !== undefined) throw new Error(`${this.id} is not joined`)
    return this.session
  }

  private apply (session: Session, effects: Effect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'publish': this.sim.publish(this, session.machine.derived.topic, effect.frame); break
        case 'deliver': session.delivered.push({ payload: new TextDecoder().decode(effect.payload), at: this.sim.now }); break
        case 'dial': this.sim.dial(this, effect.peerId); break
        case 'schedule': this.setTimer(session, effect.at); break
        case 'presence': session.presence.push({ ...effect.event, at: this.sim.now }); break
        case 'connection': session.connection.push({ state: effect.state, at: this.sim.now }); break
        case 'verdict': case 'left': break
      }
    }
  }

  private setTimer (session: Session, at: number | undefined): void {
    const generation = ++this.timerGeneration
    if (at === undefined) return
    this.sim.schedule(at - this.clockOffset, () => {
      if (generation === this.timerGeneration && this.session === session) this.dispatch({ type: 'timer' })
    })
  }
}

export class Simulation {
  now = T0
  readonly rng: Prng
  readonly conditions: NetworkConditions
  readonly nodes: SimNode[] = []
  readonly sessions: Session[] = []
  readonly sent: SentRecord[] = []
  /** Every frame published, as an eavesdropper on the wire would keep them. */
  readonly wire: Array<{ topic: string, frame: Uint8Array, at: number }> = []
  private readonly queue: Queued[] = []
  private seq = 0
  private readonly lastArrival = new Map<string, number>()

  constructor (seed: number, conditions: NetworkConditions) {
    this.rng = new Prng(seed)
    this.conditions = conditions
  }

  addNode (maxClockOffset = 0): SimNode {
    const offset = maxClockOffset === 0 ? 0 : this.rng.int(2 * maxClockOffset + 1) - maxClockOffset
    const node = new SimNode(this, `sim-${this.nodes.length}`, offset)
    this.nodes.push(node)
    return node
  }

  schedule (at: number, run: () => void): void {
    const item = { at: Math.max(at, this.now), seq: this.seq++, run }
    // binary insertion keeps the queue sorted by (at, seq)
    let lo = 0
    let hi = this.queue.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const other = this.queue[mid]
      if (other !== undefined && (other.at < item.at || (other.at === item.at && other.seq < item.seq))) lo = mid + 1
      else hi = mid
    }
    this.queue.splice(lo, 0, item)
  }

  /** Runs every event due up to `until`, then sets the clock to it. */
  runUntil (until: number): void {
    for (;;) {
      const next = this.queue[0]
      if (next === undefined || next.at > until) break
      this.queue.shift()
      this.now = next.at
      next.run()
    }
    this.now = until
  }

  /** Delivers `frame` from `from` to every node subscribed to `topic` now, as the network conditions say. */
  publish (from: SimNode, topic: string, frame: Uint8Array): void {
    if (!from.online) return
    this.wire.push({ topic, frame, at: this.now })
    for (const node of this.nodes) {
      const session = node.session
      if (node === from || !node.online || session === undefined || session.machine.isClosed || session.machine.derived.topic !== topic) continue
      if (this.rng.chance(this.conditions.loss)) continue
      const paths = this.rng.chance(this.conditions.duplicate) ? ['direct', 'second'] : ['direct']
      for (const path of paths) this.inject(node, frame, from.id, this.pathDelay(`${path}:${from.id}>${node.id}`))
    }
  }

  /** A frame arriving at `node` after `delay`, forwarded by `source`. */
  inject (node: SimNode, frame: Uint8Array, source: string, delay: number): void {
    this.schedule(this.now + delay, () => {
      if (node.online) node.dispatch({ type: 'frame', data: frame, source: { id: source, relay: false } })
    })
  }

  /** A dial from `from` to the node `peerId`: succeeds after a latency if that node is online. */
  dial (from: SimNode, peerId: string): void {
    const to = this.nodes.find((n) => n.id === peerId)
    this.schedule(this.now + this.latency(), () => {
      const ok = to !== undefined && to.online && from.online
      if (ok) {
        for (const [a, b] of [[from, to], [to, from]] as const) {
          if (a.links.has(b.id)) continue
          a.links.add(b.id)
          a.dispatch({ type: 'link', peerId: b.id, up: true })
        }
      }
      from.dispatch({ type: 'dialed', peerId, ok })
    })
  }

  /** Takes `node` off the network: its links drop, dials to it fail. */
  crash (node: SimNode): void {
    node.online = false
    for (const peer of node.links) {
      const other = this.nodes.find((n) => n.id === peer)
      other?.links.delete(node.id)
      other?.dispatch({ type: 'link', peerId: node.id, up: false })
    }
    node.links.clear()
  }

  get maxLatency (): number {
    return this.conditions.latency.max
  }

  /** A latency that keeps the path FIFO: no copy overtakes an earlier one on the same path. */
  private pathDelay (path: string): number {
    const arrival = Math.max(this.now + this.latency(), this.lastArrival.get(path) ?? 0)
    this.lastArrival.set(path, arrival)
    return arrival - this.now
  }

  private latency (): number {
    const { min, max } = this.conditions.latency
    return min + this.rng.int(max - min + 1)
  }
}
