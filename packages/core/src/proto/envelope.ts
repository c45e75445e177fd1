/**
 * The channel envelope: how a payload travels on a gossipsub topic
 * (PROTOCOL.md, "Envelope"). Pure functions: randomness (the nonce) and the
 * clock (the timestamp) are arguments. The AEAD runs natively where the
 * platform has ChaCha20-Poly1305 (aead.ts); the bytes are the same either way.
 */
import { xchachaOpen, xchachaSeal } from './aead.ts'
import { concatBytes, utf8 } from './bytes.ts'
import {
  ENVELOPE_VERSION, INNER_HEADER_BYTES, MAX_FRAME_SIZE, MIN_FRAME_SIZE, NONCE_BYTES, OUTER_HEADER_BYTES,
  SENDER_ID_BYTES
} from './constants.ts'

/** Frame kinds inside the ciphertext. Unknown kinds are authenticated but not delivered. */
export const FrameKind = {
  Data: 0
} as const

/** The authenticated contents of a frame. */
export interface FrameContents {
  kind: number
  /** Random per join of a channel; identifies one sender's counter sequence. */
  senderId: Uint8Array
  /** 0, 1, 2, … per sender id. */
  counter: number
  /** Sender's clock, milliseconds since the Unix epoch. */
  timestamp: number
  payload: Uint8Array
}

/** Why a frame was refused. */
export type FrameError = 'truncated' | 'oversize' | 'version' | 'auth'

export type OpenResult =
  | { ok: true, frame: FrameContents }
  | { ok: false, error: FrameError }

function aad (topic: string): Uint8Array {
  return concatBytes(Uint8Array.of(ENVELOPE_VERSION), utf8(topic))
}

/**
 * Seals a frame for `topic` under `key`. `nonce` must be 24 fresh random bytes.
 */
export function sealFrame (key: Uint8Array, topic: string, nonce: Uint8Array, contents: FrameContents): Uint8Array {
  if (nonce.byteLength !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`)
  if (contents.senderId.byteLength !== SENDER_ID_BYTES) throw new RangeError(`senderId must be ${SENDER_ID_BYTES} bytes`)
  const plain = new Uint8Array(INNER_HEADER_BYTES + contents.payload.byteLength)
  const view = new DataView(plain.buffer)
  plain[0] = contents.kind
  plain.set(contents.senderId, 1)
  view.setBigUint64(1 + SENDER_ID_BYTES, BigInt(contents.counter))
  view.setBigUint64(1 + SENDER_ID_BYTES + 8, BigInt(contents.timestamp))
  plain.set(contents.payload, INNER_HEADER_BYTES)
  const frame = xchachaSeal(key, nonce, aad(topic), plain, OUTER_HEADER_BYTES)
  frame[0] = ENVELOPE_VERSION
  frame.set(nonce, 1)
  return frame
}

/**
 * Checks the outer shape of a frame without the key: what a relay, which
 * never has the key, can verify.
 */
export function checkFrameShape (frame: Uint8Array): FrameError | undefined {
  if (frame.byteLength < 1) return 'truncated'
  if (frame[0] !== ENVELOPE_VERSION) return 'version'
  if (frame.byteLength < MIN_FRAME_SIZE) return 'truncated'
  if (frame.byteLength > MAX_FRAME_SIZE) return 'oversize'
  return undefined
}

/** Authenticates and decrypts a frame. Never throws on bad input. */
export function openFrame (key: Uint8Array, topic: string, frame: Uint8Array): OpenResult {
  const shapeError = checkFrameShape(frame)
  if (shapeError !== undefined) return { ok: false, error: shapeError }
  const plain = xchachaOpen(key, frame.subarray(1, OUTER_HEADER_BYTES), aad(topic), frame.subarray(OUTER_HEADER_BYTES))
  if (plain === undefined) return { ok: false, error: 'auth' }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
  const counter = view.getBigUint64(1 + SENDER_ID_BYTES)
  const timestamp = view.getBigUint64(1 + SENDER_ID_BYTES + 8)
  if (counter > BigInt(Number.MAX_SAFE_INTEGER) || timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    // authentic but nonsensical: only a buggy member writes this
    return { ok: false, error: 'version' }
  }
  return {
    ok: true,
    frame: {
      kind: plain[0] ?? FrameKind.Data,
      senderId: plain.slice(1, 1 + SENDER_ID_BYTES),
      counter: Number(counter),
      timestamp: Number(timestamp),
      payload: plain.slice(INNER_HEADER_BYTES)
    }
  }
}
