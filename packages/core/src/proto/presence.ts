/**
 * Presence frames (kind 1): a member tells the other members of a channel
 * where it can be reached, so that they connect directly and the mesh stops
 * depending on relays. Travels inside the encrypted envelope, so only members
 * learn members' addresses (PROTOCOL.md, "Presence").
 */
import { utf8 } from './bytes.ts'

export const PRESENCE_KIND = 1

/** At most this many addresses are read from one presence frame. */
export const MAX_PRESENCE_ADDRS = 16
const MAX_PRESENCE_BYTES = 8_192

export interface Presence {
  /** The member's libp2p peer id. */
  peerId: string
  /** Multiaddrs the member listens on (may be empty: a client-only node). */
  multiaddrs: string[]
  /** True when the member is leaving the channel. */
  bye?: boolean
}

export function encodePresence (presence: Presence): Uint8Array {
  return utf8(JSON.stringify({
    v: 1, p: presence.peerId, a: presence.multiaddrs.slice(0, MAX_PRESENCE_ADDRS), ...(presence.bye === true ? { b: 1 } : {})
  }))
}

/** Parses a presence payload; undefined if it is not one. Never throws. */
export function decodePresence (payload: Uint8Array): Presence | undefined {
  if (payload.byteLength > MAX_PRESENCE_BYTES) return undefined
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { v, p, a, b } = value as Record<string, unknown>
  if (v !== 1 || typeof p !== 'string' || p.length === 0 || p.length > 128 || !Array.isArray(a)) return undefined
  const multiaddrs = a.slice(0, MAX_PRESENCE_ADDRS).filter((x): x is string => typeof x === 'string' && x.length <= 1_024)
  return b === 1 ? { peerId: p, multiaddrs, bye: true } : { peerId: p, multiaddrs }
}
