/**
 * Federation announcements (PROTOCOL.md, "Relay federation"): a relay tells
 * other relays where it listens and which relays its operator trusts, signed
 * with its own identity key. The one parser of this message kind: every
 * announcement from the network goes through `parseAnnouncement` and then
 * `verifyAnnouncement`; neither throws.
 *
 * Wire format: body length (2 bytes, big-endian) ‖ body ‖ Ed25519 signature
 * (64 bytes) over the body, by the key of the peer id `p`. The body is UTF-8
 * JSON `{"v":2,"p":peerId,"a":[multiaddr…],"r":[peerId…],"t":ms}`.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdOf } from '@rtmesh/core'

/** Announcement format version. */
export const ANNOUNCEMENT_VERSION = 2
/** Addresses read from one announcement (a relay listens on a handful). */
export const MAX_ANNOUNCED_ADDRS = 8
/** Relays one announcement may vouch for (a federation of dozens, with room). */
export const MAX_VOUCHES = 64
/** Largest announcement accepted: 8 addresses and 64 peer ids fit well inside. */
export const MAX_ANNOUNCEMENT_BYTES = 8_192
const SIGNATURE_BYTES = 64
const MAX_ADDR_CHARS = 256

export interface Announcement {
  /** The announcing relay (its id embeds the Ed25519 key that signed). */
  peerId: PeerId
  /** Where it listens; each parses and ends in `/p2p/<peerId>`. */
  addrs: Multiaddr[]
  /** Peer ids of the relays its operator configured (it vouches for them). */
  vouches: string[]
  /** When it was made, on the announcer's clock (ms since the epoch). */
  time: number
  body: Uint8Array
  signature: Uint8Array
}

function parsePeerId (text: unknown): PeerId | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 128) return undefined
  try {
    const id = peerIdFromString(text)
    return id.publicKey === undefined ? undefined : id
  } catch {
    return undefined
  }
}

function parseAddr (text: unknown, peer: string): Multiaddr | undefined {
  if (typeof text !== 'string' || text.length > MAX_ADDR_CHARS) return undefined
  try {
    const ma = multiaddr(text)
    return peerIdOf(ma) === peer ? ma : undefined
  } catch {
    return undefined
  }
}

/** Parses an announcement's bytes; undefined if they are not one. Never throws; does not check the signature. */
export function parseAnnouncement (data: Uint8Array): Announcement | undefined {
  if (data.byteLength < 2 + SIGNATURE_BYTES || data.byteLength > MAX_ANNOUNCEMENT_BYTES) return undefined
  const length = ((data[0] ?? 0) << 8) | (data[1] ?? 0)
  if (2 + length + SIGNATURE_BYTES !== data.byteLength) return undefined
  const body = data.subarray(2, 2 + length)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { v, p, a, r, t } = value as Record<string, unknown>
  if (v !== ANNOUNCEMENT_VERSION || typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) return undefined
  if (!Array.isArray(a) || a.length > MAX_ANNOUNCED_ADDRS || !Array.isArray(r) || r.length > MAX_VOUCHES) return undefined
  const peerId = parsePeerId(p)
  if (peerId === undefined) return undefined
  const addrs: Multiaddr[] = []
  for (const item of a) {
    const ma = parseAddr(item, peerId.toString())
    if (ma === undefined) return undefined
    addrs.push(ma)
  }
  const vouches: string[] = []
  for (const item of r) {
    const id = parsePeerId(item)
    if (id === undefined) return undefined
    vouches.push(id.toString())
  }
  return { peerId, addrs, vouches, time: t, body, signature: data.subarray(2 + length) }
}

/** True if the announcement was signed by the key its peer id embeds. Never throws. */
export async function verifyAnnouncement (announcement: Announcement): Promise<boolean> {
  try {
    return await announcement.peerId.publicKey?.verify(announcement.body, announcement.signature) ?? false
  } catch {
    return false
  }
}

/** Makes and signs an announcement of `privateKey`'s peer. */
export async function encodeAnnouncement (
  privateKey: PrivateKey, peerId: PeerId, addrs: Multiaddr[], vouches: string[], time: number
): Promise<Uint8Array> {
  const body = new TextEncoder().encode(JSON.stringify({
    v: ANNOUNCEMENT_VERSION,
    p: peerId.toString(),
    a: addrs.map(String).filter((s) => s.length <= MAX_ADDR_CHARS).slice(0, MAX_ANNOUNCED_ADDRS),
    r: vouches.slice(0, MAX_VOUCHES),
    t: time
  }))
  const signature = await privateKey.sign(body)
  const out = new Uint8Array(2 + body.byteLength + signature.byteLength)
  out[0] = body.byteLength >> 8
  out[1] = body.byteLength & 0xff
  out.set(body, 2)
  out.set(signature, 2 + body.byteLength)
  return out
}
