/**
 * The admin HTTP server: `GET /healthz` and Prometheus `GET /metrics`.
 */
import type { RequestListener } from 'node:http'
import type { RelayMetrics } from '../metrics.ts'
import { listenHttp } from './http.ts'
import type { HttpServer } from './http.ts'

export async function startAdminServer (
  host: string, port: number, metrics: RelayMetrics, health: () => Record<string, unknown>
): Promise<HttpServer> {
  const handler: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...health() }))
    } else if (path === '/metrics') {
      metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body)
      }, (err: unknown) => {
        res.writeHead(500).end(String(err))
      })
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n')
    }
  }
  return await listenHttp(handler, host, port)
}
