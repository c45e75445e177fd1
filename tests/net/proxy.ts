/**
 * A user-space TCP proxy between a group of peers and a relay: the machine
 * has no netem, so partitions and latency are made here.
 */
import { createConnection, createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { closeServer, listenOnLoopback } from '@rtmesh/testkit'

export class FaultProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private cut = false
  private delayMs = 0
  private readonly targetPort: number
  port = 0

  constructor (targetPort: number) {
    this.targetPort = targetPort
  }

  async start (): Promise<void> {
    this.server = createServer((client) => {
      if (this.cut) {
        client.destroy()
        return
      }
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort })
      for (const socket of [client, upstream]) {
        this.sockets.add(socket)
        socket.on('close', () => { this.sockets.delete(socket) })
        socket.on('error', () => { client.destroy(); upstream.destroy() })
      }
      this.pipe(client, upstream)
      this.pipe(upstream, client)
    })
    this.port = await listenOnLoopback(this.server)
  }

  private pipe (from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      if (this.delayMs === 0) to.write(chunk)
      else setTimeout(() => { if (!to.destroyed) to.write(chunk) }, this.delayMs)
    })
    from.on('end', () => { to.end() })
  }

  /** Drops every connection and refuses new ones until `heal()`. */
  partition (): void {
    this.cut = true
    for (const socket of this.sockets) socket.destroy()
  }

  heal (): void {
    this.cut = false
  }

  setLatency (ms: number): void {
    this.delayMs = ms
  }

  async stop (): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    if (server === undefined) return
    await closeServer(server)
  }
}
