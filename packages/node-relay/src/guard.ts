/**
 * The relay's self-protection at the connection level: per-IP connection
 * limits and temporary bans of peers disconnected for misbehaving.
 */
import type { ConnectionGater, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

function ipOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')?.value
}

export class Guard {
  private libp2p: Libp2p | undefined
  private readonly bans = new Map<string, number>()
  private readonly maxPerIp: number
  private readonly banMs: number

  constructor (maxPerIp: number, banMs: number) {
    this.maxPerIp = maxPerIp
    this.banMs = banMs
  }

  /** The node is created after its gater: bind it once it exists. */
  bind (libp2p: Libp2p): void {
    this.libp2p = libp2p
  }

  isBanned (peer: PeerId | string): boolean {
    const id = peer.toString()
    const until = this.bans.get(id)
    if (until === undefined) return false
    if (Date.now() < until) return true
    this.bans.delete(id)
    return false
  }

  /** Refuses the peer for the ban period and closes its connections. */
  async ban (peer: PeerId): Promise<void> {
    this.bans.set(peer.toString(), Date.now() + this.banMs)
    await this.libp2p?.hangUp(peer).catch(() => {})
  }

  gater (): ConnectionGater {
    return {
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer) => this.isBanned(peer),
      denyInboundEncryptedConnection: (peer) => this.isBanned(peer),
      denyInboundConnection: (maConn) => {
        const ip = ipOf(maConn.remoteAddr)
        if (ip === undefined || this.libp2p === undefined) return false
        let fromIp = 0
        for (const connection of this.libp2p.getConnections()) {
          if (ipOf(connection.remoteAddr) === ip && ++fromIp >= this.maxPerIp) return true
        }
        return false
      }
    }
  }
}
