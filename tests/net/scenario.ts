/**
 * Scenario files: topology, channels, traffic and a timeline of faults.
 * Times in `faults` are milliseconds after traffic starts.
 */
import { readFile } from 'node:fs/promises'

export type Fault =
  | { at: number, type: 'kill-relay', relay: number }
  | { at: number, type: 'restart-relay', relay: number }
  /** Stops a share of the honest peers and starts them again (new node, rejoin) after `downMs`. */
  | { at: number, type: 'churn', share: number, downMs: number }
  /** Extra members that send as fast as `rate` allows. */
  | { at: number, type: 'flood', peers: number, rate: number, durationMs: number }
  /** Extra peers that know the topic but not the key and publish random frames. */
  | { at: number, type: 'garbage', peers: number, rate: number, durationMs: number }
  /** Cuts the peers of `group` off `relay` (through their user-space proxy). */
  | { at: number, type: 'partition', relay: number, group: number, durationMs: number }
  /** Delays every byte between `group` and `relay` by `ms`. */
  | { at: number, type: 'latency', relay: number, group: number, ms: number, durationMs: number }

export interface Scenario {
  name: string
  relays: number
  /** Honest Node peers, spread round-robin over channels; peer i uses relay i and, with 2+ relays, relay i+1 as a fallback. */
  peers: number
  /** Chromium pages (members of channel 0). */
  browsers?: number
  channels: number
  /**
   * Peers listen on loopback TCP so members connect directly; false keeps
   * every frame on the relays; a number is the share of peers (the first
   * ones) that listen.
   */
  listen: boolean | number
  /**
   * Node peers also dial and accept WebRTC through their relays (the
   * library's default with relays). Default false here: the scenarios test
   * relays and gossip, and 30 WebRTC stacks on a 2-core machine slowed the
   * baseline's p50 from 256 ms to 967 ms (measured); set true to test it.
   */
  nodeWebrtc?: boolean
  /** Peers are split round-robin into this many groups for partition and latency faults. Default 1. */
  groups?: number
  /** Time after the joins before traffic starts. */
  warmupMs: number
  /** How long traffic runs. */
  durationMs: number
  /** Time after traffic for the last messages to arrive. Default 2 000. */
  settleMs?: number
  traffic: { rate: number, size: number, senders?: number }
  faults?: Fault[]
}

export class ScenarioError extends Error {
  static readonly NAME = 'ScenarioError'
  override name = ScenarioError.NAME
}

const LIMITS = { relays: 20, peers: 500, browsers: 10, channels: 50 }

export function checkScenario (value: unknown): Scenario {
  if (typeof value !== 'object' || value === null) throw new ScenarioError('a scenario is a JSON object')
  const s = value as Scenario
  const count = (key: keyof typeof LIMITS, min: number): void => {
    const n = s[key] ?? 0
    if (!Number.isInteger(n) || n < min || n > LIMITS[key]) throw new ScenarioError(`${key}: a whole number from ${min} to ${LIMITS[key]}`)
  }
  if (typeof s.name !== 'string') throw new ScenarioError('name: a string')
  count('relays', 1)
  count('peers', 0)
  count('browsers', 0)
  count('channels', 1)
  for (const key of ['warmupMs', 'durationMs'] as const) {
    if (typeof s[key] !== 'number' || s[key] < 0 || s[key] > 3_600_000) throw new ScenarioError(`${key}: 0 to 3 600 000 ms`)
  }
  if (typeof s.traffic !== 'object' || !(s.traffic.rate > 0 && s.traffic.rate <= 1_000) || !(s.traffic.size >= 32 && s.traffic.size <= 128_000)) {
    throw new ScenarioError('traffic: { rate: 0 < msgs/s per sender ≤ 1000, size: 32 to 128000 bytes }')
  }
  for (const fault of s.faults ?? []) {
    if (typeof fault.at !== 'number' || fault.at < 0) throw new ScenarioError(`fault ${JSON.stringify(fault)}: needs "at" ≥ 0`)
    if ('relay' in fault && !(fault.relay >= 0 && fault.relay < s.relays)) throw new ScenarioError(`fault ${fault.type}: no relay ${fault.relay}`)
  }
  return s
}

export async function loadScenario (path: string): Promise<Scenario> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ScenarioError(`cannot read ${path}: ${(err as Error).message}`)
  }
  try {
    return checkScenario(JSON.parse(text))
  } catch (err) {
    if (err instanceof ScenarioError) throw new ScenarioError(`${path}: ${err.message}`)
    throw new ScenarioError(`${path}: not JSON: ${(err as Error).message}`)
  }
}
