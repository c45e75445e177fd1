/**
 * Loopback ports: listen on one the OS picks, hold one, find a free one.
 */
import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'

/** Starts `server` (a net or http server) listening on 127.0.0.1 at a port the OS picks; resolves with the port. */
export async function listenOnLoopback (server: Server): Promise<number> {
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  return (server.address() as AddressInfo).port
}

/** Stops `server` listening; resolves once it has closed (open connections keep it waiting: destroy them first). */
export async function closeServer (server: Server): Promise<void> {
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
}

/** Holds a loopback port, as another program on the host would, until `close()`. */
export async function holdPort (): Promise<{ port: number, close: () => Promise<void> }> {
  const server = createServer()
  const port = await listenOnLoopback(server)
  return { port, close: async () => { await closeServer(server) } }
}

/** A loopback port that was free a moment ago (another process may take it before the caller does). */
export async function freePort (): Promise<number> {
  const held = await holdPort()
  await held.close()
  return held.port
}
