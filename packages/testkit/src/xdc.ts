/**
 * Webxdc app archives for tests: a `.xdc` is a zip with `index.html` at its
 * root.
 */
import { zipSync } from 'fflate'

/** Zips `files` (path → text or bytes) into a `.xdc` archive. */
export function makeXdc (files: Record<string, string | Uint8Array>): Uint8Array {
  const encoder = new TextEncoder()
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, body]) => [path, typeof body === 'string' ? encoder.encode(body) : body])))
}
