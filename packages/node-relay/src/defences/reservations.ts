/**
 * Circuit relay reservations held to what they are for. The circuit relay
 * server keeps a reservation for its whole lifetime (libp2p: 2 h) whether or
 * not its holder is still connected, and lets any one address take every
 * slot. Here a reservation is released when its holder disconnects (and by a
 * periodic sweep, for a reservation made while its connection was closing),
 * and one address (IPv4, or IPv6 /64) may hold at most `maxPerAddress`
 * reservations; the gater's `denyInboundRelayReservation` asks `deny`.
 */
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { addressKey, directIp } from './address.ts'

type ReservingLibp2p = Libp2p<{ relay: CircuitRelayService }>

export class ReservationWarden {
  private readonly maxPerAddress: number
  private readonly sweepMs: number
  private libp2p: ReservingLibp2p | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly onError: (where: string, err: unknown) => void

  /** `onError`: an error in our listener or timer (a bug), to log and count. */
  constructor (maxPerAddress: number, sweepMs: number, onError: (where: string, err: unknown) => void) {
    this.maxPerAddress = maxPerAddress
    this.sweepMs = sweepMs
    this.onError = onError
  }

  start (libp2p: ReservingLibp2p): void {
    if (this.libp2p !== undefined) return
    this.libp2p = libp2p
    libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.timer = setInterval(() => { this.guard('reservations:sweep', () => { this.sweep() }) }, this.sweepMs)
    this.timer.unref()
  }

  stop (): void {
    this.libp2p?.removeEventListener('peer:disconnect', this.onDisconnect)
    clearInterval(this.timer)
    this.libp2p = undefined
  }

  /** True when `peer`'s address already holds `maxPerAddress` reservations (its own, being refreshed, not counted). */
  deny (peer: PeerId): boolean {
    const libp2p = this.libp2p
    if (libp2p === undefined) return false
    const addresses = new Set<string>()
    for (const connection of libp2p.getConnections(peer)) {
      const ip = directIp(connection.remoteAddr)
      const key = ip === undefined ? undefined : addressKey(ip)
      if (key !== undefined) addresses.add(key)
    }
    if (addresses.size === 0) return false // relayed: the circuit relay server refuses it anyway
    let held = 0
    for (const [holder, reservation] of libp2p.services.relay.reservations) {
      if (holder.equals(peer)) continue
      const ip = directIp(reservation.addr)
      const key = ip === undefined ? undefined : addressKey(ip)
      if (key !== undefined && addresses.has(key) && ++held >= this.maxPerAddress) return true
    }
    return false
  }

  private guard (where: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.onError(where, err)
    }
  }

  private readonly onDisconnect = (event: CustomEvent<PeerId>): void => {
    this.guard('reservations:disconnect', () => { this.release(event.detail) })
  }

  private release (peer: PeerId): void {
    const reservations = this.libp2p?.services.relay.reservations
    const reservation = reservations?.get(peer)
    if (reservations === undefined || reservation === undefined) return
    reservation.signal.clear()
    reservations.delete(peer)
  }

  /** Releases reservations whose holder has no connection left. */
  sweep (): void {
    const libp2p = this.libp2p
    if (libp2p === undefined) return
    const orphans = [...libp2p.services.relay.reservations.keys()].filter((peer) => libp2p.getConnections(peer).length === 0)
    for (const peer of orphans) this.release(peer)
  }
}
