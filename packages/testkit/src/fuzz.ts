/**
 * Fuzzing and simulation helpers: a small seeded PRNG (sfc32, seeded through
 * splitmix32), random inputs and mutations of valid ones. Same seed, same
 * inputs.
 */
import { randomInt } from 'node:crypto'

/** `RTMESH_FUZZ_SEED` replays a run; otherwise a fresh seed. */
export const FUZZ_SEED = process.env.RTMESH_FUZZ_SEED !== undefined ? Number(process.env.RTMESH_FUZZ_SEED) >>> 0 : randomInt(2 ** 32)
/** Time per target: 1.5 s by default (npm test); `RTMESH_FUZZ_MS` for longer runs. */
export const FUZZ_MS = Number(process.env.RTMESH_FUZZ_MS ?? 1_500)
/** `RTMESH_FUZZ_ITERATIONS` caps iterations per target (to replay up to a failing one on any machine). */
export const FUZZ_ITERATIONS = Number(process.env.RTMESH_FUZZ_ITERATIONS ?? Infinity)

export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor (seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
  }

  /** A uniform 32-bit unsigned integer (sfc32). */
  u32 (): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** An integer in [0, n). */
  int (n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 2 ** 32) * n)
  }

  chance (p: number): boolean {
    return this.u32() / 2 ** 32 < p
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)]
    if (item === undefined) throw new RangeError('pick from an empty list')
    return item
  }

  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }

  /** A length biased towards small values, occasionally up to `max`. */
  length (max: number): number {
    const scale = this.pick([16, 256, 4_096, max])
    return this.int(Math.min(scale, max) + 1)
  }
}

/** A PRNG per target, so targets do not shift each other's inputs. */
export function prngFor (target: string): Prng {
  let h = FUZZ_SEED
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193) >>> 0
  return new Prng(h)
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x22, 0x5b, 0x7b]

/** One to four of: bit flips, interesting bytes, truncation, extension, insertion, deletion, splices with another valid input. */
export function mutate (rng: Prng, input: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  let out = input
  for (let ops = 1 + rng.int(4); ops > 0; ops--) {
    const at = rng.int(out.byteLength + 1)
    switch (rng.int(8)) {
      case 0: { // bit flips
        out = out.slice()
        for (let n = 1 + rng.int(8); n > 0 && out.byteLength > 0; n--) {
          const i = rng.int(out.byteLength)
          out[i] = (out[i] ?? 0) ^ (1 << rng.int(8))
        }
        break
      }
      case 1: { // interesting bytes
        out = out.slice()
        if (out.byteLength > 0) out[rng.int(out.byteLength)] = rng.pick(INTERESTING)
        break
      }
      case 2: // truncation
        out = out.slice(0, at)
        break
      case 3: // extension
        out = concat(out, rng.chance(0.5) ? rng.bytes(rng.length(256)) : out.slice(0, rng.length(out.byteLength)))
        break
      case 4: // insertion
        out = concat(out.slice(0, at), rng.bytes(1 + rng.int(16)), out.slice(at))
        break
      case 5: // deletion
        out = concat(out.slice(0, at), out.slice(at + 1 + rng.int(16)))
        break
      default: { // splice: a prefix of this one and a suffix of another valid input
        const other = corpus.length > 0 ? rng.pick(corpus) : rng.bytes(rng.length(64))
        out = concat(out.slice(0, at), other.slice(rng.int(other.byteLength + 1)))
      }
    }
  }
  return out
}

/** Either random bytes or a mutation of a corpus item (half each). */
export function fuzzInput (rng: Prng, corpus: readonly Uint8Array[], maxRandom: number): Uint8Array {
  if (corpus.length === 0 || rng.chance(0.5)) return rng.bytes(rng.length(maxRandom))
  return mutate(rng, rng.pick(corpus), corpus)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

export function hex (data: Uint8Array, max = 256): string {
  const shown = Buffer.from(data.subarray(0, max)).toString('hex')
  return data.byteLength > max ? `${shown}… (${data.byteLength} bytes)` : shown
}

/**
 * Runs `check` on inputs until the time budget or the iteration cap is used
 * up; a throw names the seed, the target and the iteration.
 */
export async function fuzzLoop (target: string, budgetMs: number, check: (rng: Prng, i: number) => void | Promise<void>): Promise<number> {
  const rng = prngFor(target)
  const deadline = Date.now() + budgetMs
  let i = 0
  for (; i < FUZZ_ITERATIONS && Date.now() < deadline; i++) {
    try {
      await check(rng, i)
    } catch (err) {
      throw new Error(`fuzz target ${target} failed at iteration ${i} (RTMESH_FUZZ_SEED=${FUZZ_SEED}): ${String(err)}`, { cause: err })
    }
  }
  return i
}

/** Runs a parser on one input; a throw becomes a failure naming the input. */
export function mustNotThrow<T> (what: string, input: Uint8Array, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new Error(`${what} threw on input ${hex(input)}: ${String(err)}`, { cause: err })
  }
}

/** The whole of `data` in hex (to compare inputs). */
export function fullHex (data: Uint8Array): string {
  return Buffer.from(data).toString('hex')
}
