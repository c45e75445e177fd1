/** Small byte helpers shared by derivation and the envelope. */

const encoder = new TextEncoder()

export function utf8 (text: string): Uint8Array {
  return encoder.encode(text)
}

export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** 4-byte big-endian length followed by the bytes: an unambiguous encoding of a field list. */
export function lengthPrefixed (...fields: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const field of fields) {
    const len = new Uint8Array(4)
    new DataView(len.buffer).setUint32(0, field.byteLength)
    parts.push(len, field)
  }
  return concatBytes(...parts)
}
