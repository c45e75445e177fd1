/**
 * The relay's connection-level defences in one place, as the pieces of its
 * libp2p configuration they live in: transports (HTTP upgrade timeouts),
 * connection manager (upgrade timeout, pending and rate limits), gater
 * (`Guard`), the circuit relay server (limits sized for signalling, and
 * refused reservations' streams closed) and two services of ours
 * (`PendingConnections`, `ReservationWarden`).
 */
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import type { Logger } from 'pino'
import { webSockets } from '@libp2p/websockets'
import { DEFAULT_MAX_PENDING_CONNECTIONS, RESERVATION_SWEEP_MS } from '../constants.ts'
import { Guard } from './guard.ts'
import type { RelayMetrics } from '../metrics.ts'
import type { ResolvedRelayOptions } from '../options.ts'
import { pendingConnections } from './pending.ts'
import type { PendingCloseReason, PendingConnections, PendingConnectionsComponents } from './pending.ts'
import { ReservationWarden } from './reservations.ts'
import { closeRefusedReservations } from './refused-reservations.ts'

/** How often Node checks HTTP header timeouts (its default, 30 s, would let a slow request outlive the upgrade budget by that much). */
const HTTP_TIMEOUT_CHECK_MS = 1_000

export class ConnectionDefences {
  readonly guard: Guard
  readonly warden: ReservationWarden
  private readonly o: ResolvedRelayOptions
  private metrics: RelayMetrics | undefined
  private log: Logger | undefined
  private pending: PendingConnections | undefined

  constructor (o: ResolvedRelayOptions) {
    this.o = o
    this.warden = new ReservationWarden(o.maxReservationsPerIp, RESERVATION_SWEEP_MS, this.onError)
    this.guard = new Guard({
      maxConnectionsPerIp: o.maxConnectionsPerIp,
      banMs: o.banMs,
      maxBans: o.maxBans,
      denyReservation: (peer) => this.warden.deny(peer)
    })
  }

  /** A bug in one of our listeners: counted in `rtmesh_relay_listener_errors_total`; the caller logs it. */
  private readonly onError = (where: string, err: unknown): void => {
    this.metrics?.listenerErrors.inc({ where })
    this.log?.error({ err, where }, 'error in a relay event listener')
  }

  transports (): [ReturnType<typeof webSockets>, ReturnType<typeof tcp>] {
    const { tls, upgradeTimeoutMs } = this.o
    // a request's headers must arrive within the upgrade budget (Node: 60 s)
    const http = { headersTimeout: upgradeTimeoutMs, requestTimeout: upgradeTimeoutMs, connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_MS }
    return [
      webSockets(tls === undefined ? { http } : { https: { ...http, cert: tls.cert as string, key: tls.key as string } }),
      tcp()
    ]
  }

  connectionManager (): { maxConnections: number, inboundConnectionThreshold: number, maxIncomingPendingConnections: number, inboundUpgradeTimeout: number } {
    return {
      maxConnections: this.o.maxConnections,
      inboundConnectionThreshold: this.o.inboundConnectionsPerSecond,
      maxIncomingPendingConnections: Math.min(this.o.maxConnections, DEFAULT_MAX_PENDING_CONNECTIONS),
      // Noise and Yamux; the pending-connections service times the whole way from accept
      inboundUpgradeTimeout: this.o.upgradeTimeoutMs
    }
  }

  relayServer (): ReturnType<typeof circuitRelayServer> {
    const create = circuitRelayServer({
      reservations: {
        maxReservations: this.o.maxReservations,
        defaultDurationLimit: this.o.relayDurationLimitMs,
        defaultDataLimit: this.o.relayDataLimit
      }
    })
    return (components) => {
      const server = create(components)
      closeRefusedReservations(server) // false only with another version of the library (a test checks)
      return server
    }
  }

  pendingService (): (components: PendingConnectionsComponents) => PendingConnections {
    const create = pendingConnections({
      maxPerAddress: this.o.maxPendingConnectionsPerIp,
      timeoutMs: this.o.upgradeTimeoutMs,
      isAddressBanned: (key) => this.guard.isAddressBanned(key),
      onClose: (reason: PendingCloseReason) => { this.metrics?.pendingClosed.inc({ reason }) },
      onError: this.onError
    })
    return (components) => {
      this.pending = create(components)
      return this.pending
    }
  }

  /** Sockets accepted and not yet upgraded, for /metrics. */
  pendingCount (): number {
    return this.pending?.size ?? 0
  }

  /** Once the node exists (and is started), after `guard.bind`. */
  start (libp2p: Libp2p<{ relay: CircuitRelayService }>, metrics: RelayMetrics, log: Logger): void {
    this.metrics = metrics
    this.log = log
    this.warden.start(libp2p)
  }

  stop (): void {
    this.warden.stop()
  }
}
