/**
 * Which peers a relay treats as relays: those its operator configured
 * (`--peer`, `--trust-relay`), and those a configured relay vouches for in
 * its signed announcement (one level: a vouched-for relay's own vouches count
 * for nothing). What a peer says about itself makes it nothing. Pure: no I/O.
 */
import type { PeerId } from '@libp2p/interface'

export class RelayTrust {
  private readonly configured: ReadonlySet<string>
  /** Voucher (a configured relay) → the relays its latest announcement vouched for. */
  private readonly vouched = new Map<string, ReadonlySet<string>>()
  /** Latest announcement time seen per announcer, so older ones (replays) are refused. */
  private readonly latest = new Map<string, number>()
  private readonly self: string

  constructor (self: string, configured: Iterable<string>) {
    this.self = self
    this.configured = new Set([...configured].filter((id) => id !== self))
  }

  /** Peer ids the operator configured: what this relay vouches for. */
  get configuredIds (): string[] {
    return [...this.configured]
  }

  /** True for a relay this node trusts (never for itself). */
  isRelay (peer: PeerId | string): boolean {
    const id = peer.toString()
    if (this.configured.has(id)) return true
    for (const set of this.vouched.values()) if (set.has(id)) return true
    return false
  }

  /**
   * Takes a verified announcement: records the vouches of a configured relay
   * and whether it is newer than the last one from the same announcer.
   * Returns false for announcements of untrusted peers and for replays;
   * state grows only with configured relays and the relays they vouch for.
   */
  accept (announcer: string, time: number, vouches: string[]): boolean {
    if (announcer === this.self || !this.isRelay(announcer)) return false
    const last = this.latest.get(announcer)
    if (last !== undefined && time <= last) return false
    this.latest.set(announcer, time)
    if (this.configured.has(announcer)) this.vouched.set(announcer, new Set(vouches.filter((id) => id !== this.self)))
    return true
  }
}
