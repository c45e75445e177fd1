/**
 * Relay test helpers: the real `rtmesh-relay` command as a child process.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'

export const BIN = new URL('../bin/rtmesh-relay.js', import.meta.url).pathname

export interface RelayProcess {
  child: ChildProcess
  peerId: string
  multiaddrs: string[]
  /** The WebSockets address (what browsers and most clients use). */
  ws: string
  /** The TCP address. */
  tcp: string
  stderr: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  kill: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Starts the CLI with `--json` and resolves once it printed its line. */
export async function spawnRelay (args: string[], env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [BIN, '--host', '127.0.0.1', '--json', '--log-level', 'warn', ...args], {
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
  const ready = JSON.parse(line) as { peerId: string, multiaddrs: string[] }
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

/** Runs the CLI to completion (for bad input), with a time limit. */
export async function runRelay (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 15_000)
  const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => { resolve(c) }) })
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** A loopback port that was free a moment ago. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  return port
}

/** Reads one sample of a Prometheus metric (sum over label sets matching `labels`). */
export function metricValue (text: string, name: string, labels = ''): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line)
    if (match?.[1] === name && (match[2] ?? '').includes(labels)) sum += Number(match[3])
  }
  return sum
}
