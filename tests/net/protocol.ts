/**
 * Messages between the network runner and its peer-host processes (IPC).
 */

export interface ChannelSpec {
  /** Name used in reports, e.g. "a". */
  label: string
  secretHex: string
  chatId: string
  appId: string
}

export interface PeerSpec {
  name: string
  /** Listen on loopback TCP, so members can connect directly. */
  listen: boolean
  /** Dial and accept WebRTC through the relays (`createRealtimeNode`'s `webrtc`). */
  webrtc: boolean
  bootstrap: string[]
}

export type Command =
  | { t: 'start', peers: PeerSpec[] }
  | { t: 'join', name: string, channel: ChannelSpec }
  | { t: 'leave', name: string, channel: string }
  | { t: 'traffic', name: string, channel: string, rate: number, size: number, untilMs: number, kind: 'honest' | 'flood' }
  | { t: 'garbage', name: string, channel: ChannelSpec, rate: number, untilMs: number }
  | { t: 'kill', name: string }
  | { t: 'restart', name: string }
  | { t: 'stop' }

export type PeerEvent =
  | { k: 'started', name: string, peerId: string, at: number }
  | { k: 'joined', name: string, channel: string, at: number }
  | { k: 'left', name: string, channel: string, at: number }
  | { k: 'killed', name: string, at: number }
  | { k: 'sent', id: string, name: string, channel: string, at: number, kind: 'honest' | 'flood' }
  | { k: 'recv', id: string, name: string, channel: string, at: number, sentAt: number, from: string }
  | { k: 'links', name: string, direct: number, relays: number, at: number }
  | { k: 'error', name: string, message: string }

export interface EventBatch { t: 'events', events: PeerEvent[] }

/** Payload header: `id|channel|sentAt|` then zero padding up to the message size. */
export function encodePayload (id: string, channel: string, sentAt: number, size: number): Uint8Array {
  const header = new TextEncoder().encode(`${id}|${channel}|${sentAt}|`)
  const out = new Uint8Array(Math.max(size, header.byteLength))
  out.set(header)
  return out
}

export function decodePayload (data: Uint8Array): { id: string, channel: string, sentAt: number } | undefined {
  const text = new TextDecoder().decode(data.subarray(0, Math.min(data.byteLength, 200)))
  const [id, channel, sentAt] = text.split('|')
  if (id === undefined || channel === undefined || sentAt === undefined) return undefined
  return { id, channel, sentAt: Number(sentAt) }
}
