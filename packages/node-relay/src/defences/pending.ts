/**
 * Inbound sockets that have not (yet) become libp2p connections: capped per
 * address and closed after a deadline, whatever stage they hang in.
 *
 * libp2p's own limits start too late for WebSockets: the websockets listener
 * hands a socket to libp2p (connection manager slot, gater, upgrade timeout)
 * only after its HTTP upgrade, and waits for the first byte with no timeout
 * at all, so sockets that send nothing stay open for ever. The TCP listener
 * hands sockets over at once, but the connection manager's pending slots are
 * global: one address fills them. This service therefore watches every
 * socket accepted on the relay's listening ports (Node's `net.server.socket`
 * diagnostics channel, published synchronously on accept) from the first
 * moment: a socket from an address already holding `maxPerAddress` pending
 * sockets, or from a banned address, is destroyed at once; any other is
 * destroyed if it has not become a libp2p connection (`connection:open` with
 * its ip and port) within `timeoutMs`, covering TCP accept, the HTTP upgrade,
 * Noise and Yamux together. libp2p's `inboundUpgradeTimeout` and the HTTP
 * server's `headersTimeout` are set to the same budget as a second line.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import type { ComponentLogger, Connection, Libp2pEvents, Listener, Logger, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { addressKey, socketKey, socketKeyOf } from './address.ts'

/** Why a socket was closed before it became a connection. */
export type PendingCloseReason = 'address_limit' | 'banned' | 'timeout'

export interface PendingConnectionsInit {
  /** Sockets one address (IPv4, or IPv6 /64) may hold before they are upgraded. */
  maxPerAddress: number
  /** Accept to upgraded connection, all stages together. */
  timeoutMs: number
  /** An address key (see `addressKey`) whose sockets are refused at once. */
  isAddressBanned: (key: string) => boolean
  /** Called for each socket closed by this service. */
  onClose?: (reason: PendingCloseReason) => void
  /** An error in one of our event listeners (a bug: logged here, and counted by the caller). */
  onError?: (where: string, err: unknown) => void
}

export interface PendingConnectionsComponents {
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

interface Entry {
  socket: Socket
  address: string
  timer: ReturnType<typeof setTimeout>
}

const CHANNEL = 'net.server.socket'

function isWebSocket (addr: Multiaddr): boolean {
  return addr.getComponents().some((c) => c.name === 'ws' || c.name === 'wss')
}

function isSocketMessage (message: unknown): message is { socket: Socket } {
  return typeof message === 'object' && message !== null && 'socket' in message
}

export class PendingConnections implements Startable {
  private readonly init: PendingConnectionsInit
  private readonly components: PendingConnectionsComponents
  private readonly log: Logger
  /** Our listening ports and what listens there; a client may use one source port towards both. */
  private readonly ports = new Map<number, 'ws' | 'tcp'>()
  private readonly pending = new Map<string, Entry>()
  private readonly perAddress = new Map<string, number>()
  private started = false

  constructor (components: PendingConnectionsComponents, init: PendingConnectionsInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('rtmesh:relay:pending')
  }

  readonly [Symbol.toStringTag] = 'rtmesh/pending-connections'

  /** Sockets accepted and not yet upgraded. */
  get size (): number {
    return this.pending.size
  }

  start (): void {
    if (this.started) return
    this.started = true
    subscribe(CHANNEL, this.onSocketMessage)
    this.components.events.addEventListener('transport:listening', this.onListening)
    this.components.events.addEventListener('connection:open', this.onConnectionOpen)
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    unsubscribe(CHANNEL, this.onSocketMessage)
    this.components.events.removeEventListener('transport:listening', this.onListening)
    this.components.events.removeEventListener('connection:open', this.onConnectionOpen)
    // the websockets listener does not close sockets that never sent a byte
    for (const [id, entry] of this.pending) {
      this.forget(id)
      entry.socket.destroy()
    }
    this.ports.clear()
  }

  private guard (where: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error('error in %s - %e', where, err)
      this.init.onError?.(where, err)
    }
  }

  private readonly onListening = (event: CustomEvent<Listener>): void => {
    this.guard('pending:listening', () => {
      for (const addr of event.detail.getAddrs()) {
        const port = addr.getComponents().find((c) => c.name === 'tcp')?.value
        if (port !== undefined) this.ports.set(Number(port), isWebSocket(addr) ? 'ws' : 'tcp')
      }
    })
  }

  private readonly onSocketMessage = (message: unknown): void => {
    if (!isSocketMessage(message)) return
    const { socket } = message
    const kind = socket.localPort === undefined ? undefined : this.ports.get(socket.localPort)
    if (kind === undefined) return
    this.guard('pending:socket', () => {
      try {
        this.admit(socket, kind)
      } catch (err) {
        socket.destroy() // a socket we cannot track is not kept
        throw err
      }
    })
  }

  private admit (socket: Socket, kind: 'ws' | 'tcp'): void {
    const ip = socket.remoteAddress
    const port = socket.remotePort
    const address = ip === undefined ? undefined : addressKey(ip)
    const key = ip === undefined || port === undefined ? undefined : socketKey(ip, port)
    if (address === undefined || key === undefined) {
      socket.destroy() // already closed, or not an IP socket
      return
    }
    const id = `${key}|${kind}`
    this.pending.get(id)?.socket.destroy() // cannot happen: one socket per remote ip, port and listener at a time
    this.forget(id)
    if (this.init.isAddressBanned(address)) {
      this.refuse(socket, 'banned')
      return
    }
    const held = this.perAddress.get(address) ?? 0
    if (held >= this.init.maxPerAddress) {
      this.refuse(socket, 'address_limit')
      return
    }
    const timer = setTimeout(() => { this.expire(id) }, this.init.timeoutMs)
    timer.unref()
    this.pending.set(id, { socket, address, timer })
    this.perAddress.set(address, held + 1)
    socket.once('close', () => {
      if (this.pending.get(id)?.socket === socket) this.forget(id)
    })
  }

  private refuse (socket: Socket, reason: PendingCloseReason): void {
    socket.destroy()
    this.init.onClose?.(reason)
  }

  private expire (id: string): void {
    const entry = this.pending.get(id)
    if (entry === undefined) return
    this.forget(id)
    this.log('closing %s: not upgraded within %d ms', id, this.init.timeoutMs)
    this.refuse(entry.socket, 'timeout')
  }

  private readonly onConnectionOpen = (event: CustomEvent<Connection>): void => {
    this.guard('pending:connection-open', () => {
      const { direction, remoteAddr } = event.detail
      if (direction !== 'inbound') return
      const key = socketKeyOf(remoteAddr)
      if (key !== undefined) this.forget(`${key}|${isWebSocket(remoteAddr) ? 'ws' : 'tcp'}`)
    })
  }

  private forget (id: string): void {
    const entry = this.pending.get(id)
    if (entry === undefined) return
    clearTimeout(entry.timer)
    this.pending.delete(id)
    const held = (this.perAddress.get(entry.address) ?? 1) - 1
    if (held <= 0) this.perAddress.delete(entry.address)
    else this.perAddress.set(entry.address, held)
  }
}

/** The service factory, for libp2p's `services`. */
export function pendingConnections (init: PendingConnectionsInit): (components: PendingConnectionsComponents) => PendingConnections {
  return (components) => new PendingConnections(components, init)
}
