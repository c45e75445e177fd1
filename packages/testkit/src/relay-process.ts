/**
 * The real `rtmesh-relay` command as a child process.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/**
 * The workspace's relay command. It runs built JavaScript (`pnpm run
 * build` first). Found by its place in the workspace rather than through
 * the `@rtmesh/node-relay` package: depending on that package would make
 * its own tests' test kit depend on it, a cycle.
 */
export const RELAY_BIN = fileURLToPath(new URL('../../node-relay/bin/rtmesh-relay.js', import.meta.url))

/** How long {@link runRelay} lets the command run before killing it (ms): it should answer bad input at once. */
const RUN_TIMEOUT_MS = 15_000

/** A relay started by {@link spawnRelay}. */
export interface RelayProcess {
  child: ChildProcess
  peerId: string
  multiaddrs: string[]
  /** The WebSockets address (what browsers and most clients use). */
  ws: string
  /** The TCP address. */
  tcp: string
  /** The `--xdc` host page's URL, when the relay serves one. */
  xdcUrl?: string
  /** Everything the relay wrote to stderr so far. */
  stderr: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** Signals the relay (SIGKILL unless told) unless it has exited; resolves with the exit code. */
  kill: (signal?: NodeJS.Signals) => Promise<number | null>
}

/**
 * Starts the command on 127.0.0.1 with `--json` and `args` (`env` added to
 * this process's environment) and resolves once it printed its ready line;
 * rejects if it exits before.
 *
 * @example
 * ```ts
 * const relay = await spawnRelay(['--port', '0', '--no-admin'])
 * const node = await createRealtimeNode({ bootstrap: [relay.ws] })
 * await relay.kill()
 * ```
 */
export async function spawnRelay (args: string[], env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [RELAY_BIN, '--host', '127.0.0.1', '--json', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout })
    rl.once('line', (text) => { resolve(text) })
    void exited.then((code) => { reject(new Error(`relay exited with ${String(code)} before it was ready: ${stderr}`)) })
  })
  const ready = JSON.parse(line) as { peerId: string, multiaddrs: string[], xdcUrl?: string }
  const ws = ready.multiaddrs.find((ma) => ma.includes('/ws/'))
  const tcp = ready.multiaddrs.find((ma) => !ma.includes('/ws'))
  if (ws === undefined || tcp === undefined) throw new Error(`unexpected addresses ${line}`)
  return {
    child,
    ...ready,
    ws,
    tcp,
    stderr: () => stderr,
    exited,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return await exited
    }
  }
}

/** Runs the command with `args` to completion (for bad input, `--help`), killed after 15 s. */
export async function runRelay (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [RELAY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, RUN_TIMEOUT_MS)
  const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => { resolve(c) }) })
  clearTimeout(timer)
  return { code, stdout, stderr }
}
