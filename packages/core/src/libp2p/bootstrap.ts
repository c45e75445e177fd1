/**
 * Keeps a node connected to its bootstrap peers (relays): dials them at
 * start and again whenever the connection drops, with capped exponential
 * backoff and no retry limit, so a relay that restarts is found again.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { BOOTSTRAP_RETRY_MAX_MS, BOOTSTRAP_RETRY_MIN_MS } from '../proto/constants.ts'
import { peerIdOf } from '../proto/relays.ts'

/** What the keeper uses of a libp2p node (a `Libp2p`, or a service's components). */
export type KeeperHost = Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>

interface Entry {
  addr: Multiaddr
  peerId: PeerId | undefined
  delay: number
  timer: ReturnType<typeof setTimeout> | undefined
}

export class BootstrapKeeper {
  private readonly libp2p: KeeperHost
  private readonly log: Logger
  private readonly entries: Entry[]
  private running = false
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    for (const entry of this.entries) {
      if (entry.peerId?.equals(evt.detail) === true) this.schedule(entry, BOOTSTRAP_RETRY_MIN_MS)
    }
  }

  constructor (libp2p: KeeperHost, addrs: Multiaddr[], log: Logger) {
    this.libp2p = libp2p
    this.log = log
    this.entries = addrs.map((addr) => {
      const id = peerIdOf(addr)
      return { addr, peerId: id === undefined ? undefined : peerIdFromString(id), delay: BOOTSTRAP_RETRY_MIN_MS, timer: undefined }
    })
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    for (const entry of this.entries) this.schedule(entry, 0)
  }

  /** Resolves when every bootstrap peer was dialled once (successfully or not). */
  async dialAll (): Promise<void> {
    await Promise.all(this.entries.map(async (entry) => { await this.tick(entry) }))
  }

  stop (): void {
    this.running = false
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    for (const entry of this.entries) {
      if (entry.timer !== undefined) clearTimeout(entry.timer)
      entry.timer = undefined
    }
  }

  private schedule (entry: Entry, delay: number): void {
    if (!this.running) return
    if (entry.timer !== undefined) clearTimeout(entry.timer)
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      void this.tick(entry)
    }, delay)
  }

  private connected (entry: Entry): boolean {
    return entry.peerId !== undefined && this.libp2p.getConnections(entry.peerId).some((c) => c.status === 'open')
  }

  private async tick (entry: Entry): Promise<void> {
    if (!this.running) return
    if (this.connected(entry)) {
      entry.delay = BOOTSTRAP_RETRY_MIN_MS
      this.schedule(entry, BOOTSTRAP_RETRY_MAX_MS)
      return
    }
    try {
      const connection = await this.libp2p.dial(entry.addr)
      entry.peerId ??= connection.remotePeer
      entry.delay = BOOTSTRAP_RETRY_MIN_MS
      this.schedule(entry, BOOTSTRAP_RETRY_MAX_MS)
    } catch (err) {
      this.log('dial %a failed, retrying in %d ms: %e', entry.addr, entry.delay, err)
      this.schedule(entry, entry.delay)
      entry.delay = Math.min(entry.delay * 2, BOOTSTRAP_RETRY_MAX_MS)
    }
  }
}
