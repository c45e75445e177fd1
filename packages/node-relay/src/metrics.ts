/**
 * Prometheus metrics of one relay, in a registry of its own (several relays
 * may share a process in tests).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'

export interface RelayGauges {
  connections: () => number
  reservations: () => number
  channels: () => number
  /** Inbound sockets not yet upgraded to libp2p connections. */
  pendingConnections?: () => number
  /** Bans in force, by kind (peer ids, addresses). */
  bans?: (kind: 'peer' | 'addr') => number
}

export class RelayMetrics {
  readonly registry = new Registry()
  readonly messagesForwarded: Counter
  readonly bytesForwarded: Counter
  readonly framesRejected: Counter<'reason'>
  readonly peersDisconnected: Counter<'reason'>
  readonly announcementsRejected: Counter<'reason'>
  readonly subscriptionsRefused: Counter<'reason'>
  readonly listenerErrors: Counter<'where'>
  readonly rpcsRefused: Counter<'reason'>
  readonly pendingClosed: Counter<'reason'>

  constructor (gauges: RelayGauges) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'rtmesh_relay_' })
    new Gauge({ name: 'rtmesh_relay_connections', help: 'Open libp2p connections', registers, collect () { this.set(gauges.connections()) } })
    new Gauge({ name: 'rtmesh_relay_reservations', help: 'Active circuit relay reservations', registers, collect () { this.set(gauges.reservations()) } })
    new Gauge({ name: 'rtmesh_relay_channels', help: 'Channel topics the relay carries', registers, collect () { this.set(gauges.channels()) } })
    const { pendingConnections, bans } = gauges
    new Gauge({ name: 'rtmesh_relay_pending_connections', help: 'Inbound sockets not yet upgraded to libp2p connections', registers, collect () { this.set(pendingConnections?.() ?? 0) } })
    new Gauge({
      name: 'rtmesh_relay_bans', help: 'Bans in force, by kind (peer, addr)', labelNames: ['kind'], registers,
      collect () { this.set({ kind: 'peer' }, bans?.('peer') ?? 0); this.set({ kind: 'addr' }, bans?.('addr') ?? 0) }
    })
    this.pendingClosed = new Counter({
      name: 'rtmesh_relay_pending_closed_total', help: 'Inbound sockets closed before they were upgraded, by reason (address_limit, banned, timeout)', labelNames: ['reason'], registers
    })
    this.messagesForwarded = new Counter({ name: 'rtmesh_relay_messages_forwarded_total', help: 'Channel frames accepted for forwarding', registers })
    this.bytesForwarded = new Counter({ name: 'rtmesh_relay_bytes_forwarded_total', help: 'Bytes of channel frames accepted for forwarding', registers })
    this.framesRejected = new Counter({
      name: 'rtmesh_relay_frames_rejected_total', help: 'Channel frames dropped, by reason', labelNames: ['reason'], registers
    })
    this.peersDisconnected = new Counter({
      name: 'rtmesh_relay_peers_disconnected_total', help: 'Peers disconnected for misbehaving, by reason', labelNames: ['reason'], registers
    })
    this.announcementsRejected = new Counter({
      name: 'rtmesh_relay_announcements_rejected_total', help: 'Federation announcements refused, by reason', labelNames: ['reason'], registers
    })
    this.subscriptionsRefused = new Counter({
      name: 'rtmesh_relay_subscriptions_refused_total', help: 'Channel subscriptions the relay would not carry, by cap', labelNames: ['reason'], registers
    })
    this.listenerErrors = new Counter({
      name: 'rtmesh_relay_listener_errors_total', help: 'Errors caught in event listeners and by the process safety net (each is a bug)', labelNames: ['where'], registers
    })
    this.rpcsRefused = new Counter({
      name: 'rtmesh_relay_rpcs_refused_total', help: 'Inbound pubsub RPCs gossipsub cannot read (malformed, oversize, framing), by reason; each is a strike against its sender', labelNames: ['reason'], registers
    })
  }
}
