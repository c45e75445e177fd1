/**
 * The relay's self-protection at the connection level, as a connection
 * gater: per-address connection limits, per-address reservation limits (see
 * `ReservationWarden`) and temporary bans of peers disconnected for
 * misbehaving. A ban covers the peer id and the address it was connected
 * from (IPv4, or IPv6 /64: see `addressKey`), since a fresh peer id costs
 * nothing; bans live in a bounded table.
 */
import type { ConnectionGater, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { addressKey, directIp } from './address.ts'
import { BanList } from './ban-list.ts'

export interface GuardInit {
  /** Open connections from one address. */
  maxConnectionsPerIp: number
  /** How long a ban lasts. */
  banMs: number
  /** Bans kept at once (peer ids and addresses together). */
  maxBans: number
  /** Refuses a circuit relay reservation (per-address cap). */
  denyReservation?: (peer: PeerId) => boolean
}

function keyOf (addr: Multiaddr): string | undefined {
  const ip = directIp(addr)
  return ip === undefined ? undefined : addressKey(ip)
}

export class Guard {
  private libp2p: Libp2p | undefined
  private readonly bans: BanList
  private readonly init: GuardInit

  constructor (init: GuardInit) {
    this.init = init
    this.bans = new BanList(init.maxBans, init.banMs)
  }

  /** The node is created after its gater: bind it once it exists. */
  bind (libp2p: Libp2p): void {
    this.libp2p = libp2p
  }

  isBanned (peer: PeerId | string): boolean {
    return this.bans.has(`peer:${peer.toString()}`, Date.now())
  }

  /** `key` as given by `addressKey` (IPv4 address or IPv6 /64). */
  isAddressBanned (key: string): boolean {
    return this.bans.has(`addr:${key}`, Date.now())
  }

  /** Bans in force, by kind, for /metrics. */
  banCount (kind: 'peer' | 'addr'): number {
    return this.bans.count(Date.now(), `${kind}:`)
  }

  /**
   * Refuses the peer and every address it is directly connected from for the
   * ban period, and closes the peer's connections. Other peers already
   * connected from those addresses keep their connections (a NAT may hold
   * honest ones); new connections from there are refused.
   */
  async ban (peer: PeerId): Promise<void> {
    const now = Date.now()
    for (const connection of this.libp2p?.getConnections(peer) ?? []) {
      const key = keyOf(connection.remoteAddr)
      if (key !== undefined) this.bans.add(`addr:${key}`, now)
    }
    this.bans.add(`peer:${peer.toString()}`, now)
    await this.libp2p?.hangUp(peer).catch(() => {})
  }

  gater (): ConnectionGater {
    return {
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer) => this.isBanned(peer),
      denyInboundEncryptedConnection: (peer) => this.isBanned(peer),
      denyInboundConnection: (maConn) => {
        const key = keyOf(maConn.remoteAddr)
        if (key === undefined) return false
        if (this.isAddressBanned(key)) return true
        if (this.libp2p === undefined) return false
        let fromAddress = 0
        for (const connection of this.libp2p.getConnections()) {
          if (keyOf(connection.remoteAddr) === key && ++fromAddress >= this.init.maxConnectionsPerIp) return true
        }
        return false
      },
      denyInboundRelayReservation: (peer) => this.isBanned(peer) || (this.init.denyReservation?.(peer) ?? false)
    }
  }
}
