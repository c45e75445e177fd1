/**
 * The one way relay event listeners run their bodies: an error there is a
 * bug (parsers return "invalid", they do not throw), so it is logged and
 * counted in `rtmesh_relay_listener_errors_total{where}`, never a crash.
 */
import type { Logger } from 'pino'
import type { RelayMetrics } from './metrics.ts'

export function guarded (deps: { metrics: RelayMetrics, log: Logger }, where: string, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    deps.metrics.listenerErrors.inc({ where })
    deps.log.error({ err, where }, 'error in a relay event listener')
  }
}
