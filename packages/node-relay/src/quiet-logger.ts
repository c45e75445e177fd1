/**
 * libp2p's loggers, minus their cost when nobody reads them. libp2p makes a
 * logger for every connection, every muxer and every stream (`newScope`),
 * each three `weald` debug functions of about 0.9 KB whether or not logging
 * is on, and a new set for every ping stream. Measured (300 idle clients,
 * heap after a full collection): 14 KiB per client. With `DEBUG` unset no
 * libp2p logger can print (weald reads `DEBUG` once, at load), so the relay
 * gives libp2p one shared logger that does nothing.
 */
import type { ComponentLogger, Logger } from '@libp2p/interface'

const noop = (): void => {}

/** One logger for every component and scope: prints nothing, allocates nothing. */
export const SILENT_LOGGER: Logger = Object.assign(noop.bind(undefined), {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Logger => SILENT_LOGGER
})

export const SILENT_COMPONENT_LOGGER: ComponentLogger = { forComponent: () => SILENT_LOGGER }

/**
 * The `logger` for `createLibp2p`: the silent one unless `debug` (the `DEBUG`
 * environment variable) asks for logs, then undefined (libp2p's own).
 */
export function libp2pLogger (debug: string | undefined = process.env.DEBUG): ComponentLogger | undefined {
  return debug === undefined || debug.trim() === '' ? SILENT_COMPONENT_LOGGER : undefined
}
