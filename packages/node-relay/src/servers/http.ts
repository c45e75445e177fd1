/**
 * The one way the relay's HTTP servers (admin, demo) listen and close.
 */
import { createServer } from 'node:http'
import type { RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HttpServer {
  /** The port listened on (the one the system chose if 0 was asked). */
  port: number
  /** `http://host:port`, with a wildcard host (`0.0.0.0`, `::`) shown as loopback so the URL can be opened here. */
  url: string
  /** Closes open connections and the listener. */
  close: () => Promise<void>
}

/**
 * Listens on `host:port`; rejects with Node's system error (`code`,
 * `address`, `port`) if it cannot, which `cli/listen-errors.ts` turns into
 * a `ListenError`.
 */
export async function listenHttp (handler: RequestListener, host: string, port: number): Promise<HttpServer> {
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as AddressInfo
  return {
    port: address.port,
    url: `http://${shownHost(address)}:${address.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

function shownHost ({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0') return '127.0.0.1'
  if (address === '::') return '[::1]'
  return family === 'IPv6' ? `[${address}]` : address
}
