/**
 * The `rtmesh-relay` command's work, loaded by `cli.ts` once V8 is set up:
 * turns the parsed command line (`flags.ts`) into `createRelay` options,
 * reads the key and TLS files, prints where the relay listens, and stops it
 * on SIGINT or SIGTERM. Bad input gets a one-line error and exit code 2
 * before anything starts.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { InvalidOptionError } from '@rtmesh/core'
import { pino } from 'pino'
import { SHUTDOWN_TIMEOUT_MS } from '../constants.ts'
import { KeyFileError, ListenError, TlsFileError, XdcFileError } from '../errors.ts'
import { loadOrCreateKey } from '../identity.ts'
import { createRelay } from '../relay.ts'
import type { Relay } from '../relay.ts'
import type { RelayOptions } from '../options.ts'
import { readXdc } from '../servers/xdc-archive.ts'
import type { XdcApp } from '../servers/xdc-archive.ts'
import { HELP, NAME, UsageError, defined, parseCommand } from './flags.ts'
import type { Command } from './flags.ts'
import { toListenError } from './listen-errors.ts'

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

async function readTls (option: 'tls-cert' | 'tls-key', path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new TlsFileError(option, `cannot read ${path}: ${(err as Error).message}`)
  }
}

async function readXdcFile (path: string): Promise<XdcApp> {
  let archive: Uint8Array
  try {
    archive = await readFile(path)
  } catch (err) {
    throw new XdcFileError(`cannot read ${path}: ${(err as Error).message}`)
  }
  return readXdc(archive, path.split('/').pop() ?? path)
}

/** Runs the command; resolves with the exit code once the relay has stopped (or failed to start). */
export async function run (argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let relay: Relay
  let command: Command
  const fail = (message: string, code: number): number => {
    process.stderr.write(`${NAME}: ${message}\n`)
    return code
  }
  try {
    command = parseCommand(argv, env)
    if (command.help) {
      process.stdout.write(HELP)
      return 0
    }
    if (command.version) {
      process.stdout.write(`${VERSION}\n`)
      return 0
    }
    const tls = command.tlsCert !== undefined && command.tlsKey !== undefined
      ? { cert: await readTls('tls-cert', command.tlsCert), key: await readTls('tls-key', command.tlsKey) }
      : undefined
    const privateKey = command.keyFile === undefined ? undefined : await loadOrCreateKey(command.keyFile)
    const logger = pino({ level: command.logLevel, base: { name: NAME } }, pino.destination(2))
    const xdc = command.xdcFile === undefined ? undefined : await readXdcFile(command.xdcFile)
    const options: RelayOptions = { ...command.options, ...defined({ privateKey, tls, xdc }), logger }
    relay = await createRelay(options).catch((err: unknown) => { throw toListenError(err, options) ?? err })
    if (privateKey === undefined) logger.warn('no --key-file: this relay gets a new peer id on every start')
  } catch (err) {
    if (err instanceof UsageError || err instanceof TlsFileError || err instanceof InvalidOptionError || err instanceof XdcFileError) {
      const message = err instanceof InvalidOptionError ? `--${err.message}` : err.message
      return fail(`${message} (see --help)`, 2)
    }
    if (err instanceof KeyFileError) return fail(`--key-file: ${err.message}`, 2)
    if (err instanceof ListenError) return fail(err.message, 2)
    return fail(`could not start: ${(err as Error).message}`, 1)
  }

  if (command.json) {
    process.stdout.write(`${JSON.stringify({ peerId: relay.peerId, multiaddrs: relay.multiaddrs, ...defined({ xdcUrl: relay.xdcUrl }) })}\n`)
  } else {
    process.stdout.write([
      `${NAME} ${VERSION}: relay ${relay.peerId} is running.`,
      'Listening on:',
      ...relay.multiaddrs.map((ma) => `  ${ma}`),
      relay.adminUrl === undefined ? 'Admin server off.' : `Health and metrics: ${relay.adminUrl}/healthz  ${relay.adminUrl}/metrics`,
      ...(relay.demoUrl === undefined ? [] : [`Demo chat: open ${relay.demoUrl} and share the link it shows (two tabs or two devices)`]),
      ...(relay.xdcUrl === undefined ? [] : [`Webxdc app: open ${relay.xdcUrl} to start a chat, then share the page's URL (fragment included) to invite others`]),
      'Connect a node to it:',
      `  createRealtimeNode({ bootstrap: ['${relay.multiaddrs[0] ?? ''}'] })`,
      'Press Ctrl-C to stop.',
      ''
    ].join('\n'))
  }

  // The safety net: a bug that lets a network input throw outside every
  // handler is logged and counted (rtmesh_relay_listener_errors_total), and
  // the relay keeps serving everyone else. It is not the defence: parsers are.
  process.on('uncaughtException', (err) => { relay.reportError('uncaughtException', err) })
  process.on('unhandledRejection', (err) => { relay.reportError('unhandledRejection', err) })

  return await stopOnSignal(relay)
}

/**
 * Resolves with the exit code once a SIGINT or SIGTERM has stopped the relay
 * (1 if stopping failed or took over SHUTDOWN_TIMEOUT_MS). Repeated signals
 * are ignored while it stops: Ctrl-C under `npm start` delivers SIGINT twice,
 * once from the terminal and once forwarded by npm.
 */
async function stopOnSignal (relay: Relay): Promise<number> {
  return await new Promise<number>((resolve) => {
    let stopping = false
    const done = (code: number): void => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve(code)
    }
    function onSignal (signal: NodeJS.Signals): void {
      if (stopping) return
      stopping = true
      process.stderr.write(`${NAME}: ${signal}: stopping\n`)
      const timer = setTimeout(() => { done(1) }, SHUTDOWN_TIMEOUT_MS)
      relay.stop().then(() => { clearTimeout(timer); done(0) }, () => { clearTimeout(timer); done(1) })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}
