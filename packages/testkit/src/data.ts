/**
 * Payloads and channels: text to bytes and back, recording what a channel
 * receives, sending until something is heard.
 */
import type { RealtimeListener } from '@rtmesh/core'
import { waitFor } from './wait.ts'

/** UTF-8 bytes of `text`. */
export function bytes (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** `data` decoded as UTF-8. */
export function text (data: Uint8Array): string {
  return new TextDecoder().decode(data)
}

/** Sets `channel`'s listener to one that records; returns the array it appends every received payload to. */
export function record (channel: Pick<RealtimeListener, 'setListener'>): Uint8Array[] {
  const received: Uint8Array[] = []
  channel.setListener((data) => { received.push(data) })
  return received
}

/**
 * Sends `label 0`, `label 1`, … from `sender` every `everyMs` until `got`
 * (what the receiver recorded) holds a payload starting with `label`: for
 * "delivery works now" where the first sends may fall into a mesh that is
 * still forming.
 */
export async function sendUntilHeard (
  sender: Pick<RealtimeListener, 'send'>,
  got: Uint8Array[],
  label: string,
  everyMs = 50,
  timeoutMs = 10_000
): Promise<void> {
  let n = 0
  await waitFor(`"${label}" to be heard`, () => {
    if (got.some((data) => text(data).startsWith(label))) return true
    sender.send(bytes(`${label} ${n++}`))
    return false
  }, timeoutMs, everyMs)
}
