/**
 * V8's heap, sized for what a relay holds: many long-lived connections.
 *
 * Under V8's defaults a relay's resident memory follows its peaks. The young
 * generation (two semi-spaces) doubles while much of it survives scavenges,
 * as the per-connection state of a join storm does, up to 64 MiB per
 * semi-space (Node 24 on a 24 GiB host); the old generation may grow to
 * several times what survived the last full collection before the next one;
 * and the pages stay resident afterwards. Measured (tests/bench `idle`: 300
 * idle clients join one relay): the relay grew by 466-522 KiB per client,
 * 96 MiB of it young generation, while a full collection afterwards found
 * 57 KiB per client alive.
 *
 * Two flags that V8 reads at run time keep the heap close to what is alive.
 * `--optimize-for-size` ("favor memory size over execution speed";
 * `Heap::ShouldOptimizeForMemoryUsage`) grows the old generation
 * conservatively and compacts it; `--semi-space-growth-factor=1` keeps the
 * young generation at the size it had when the relay loaded (2 MiB). Same
 * benchmark, with the relay's other savings: 91-103 KiB per client (92
 * between the 150th and the 300th), the relay at ~127 MiB after 300 clients
 * instead of ~265 MiB. The cost is collection time: with 10 clients × 40
 * frames/s (3 600 deliveries/s) the relay spent about 45 instead of 13 ms/s
 * in GC (28 with the first flag alone), 10-15 % more CPU in all, latencies
 * unchanged within the noise; 300 idle clients cost it 126 instead of 83
 * ms/s. A relay is sized by its memory (a small VPS,
 * `DEFAULT_MAX_CONNECTIONS`), so the CLI sets both.
 *
 * They are process-wide, so they belong to the process that runs the relay
 * (the CLI), not to `createRelay`, and are set before the relay's modules
 * load (which alone grows the young generation to 2 × 16 MiB by default).
 * Node accepts `--optimize-for-size` only on its own command line, not in
 * `NODE_OPTIONS`; a process started with either flag, its negation, or its
 * own young-generation size (`NODE_OPTIONS=--max-semi-space-size=16` is
 * accepted) has chosen, and is left alone.
 */
import { setFlagsFromString } from 'node:v8'

/** Flags that choose how the heap trades memory for speed; given any, the process has chosen. */
const HEAP_FLAG = /^--(?:no-)?(?:optimize[-_]for[-_]size|max[-_]semi[-_]space[-_]size|min[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor|heap[-_]growing[-_]percent)(?:=|$)/

/** True when `execArgv` or `NODE_OPTIONS` already choose how V8 sizes its heap. */
export function setsHeapFlags (execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => HEAP_FLAG.test(arg))
}

/** The flags the relay process runs with. */
export const RELAY_V8_FLAGS: readonly string[] = ['--optimize-for-size', '--semi-space-growth-factor=1']
/** V8's own values of those flags. */
const V8_DEFAULT_FLAGS: readonly string[] = ['--no-optimize-for-size', '--semi-space-growth-factor=2']

/**
 * Sets `RELAY_V8_FLAGS` unless the process chose its heap flags itself;
 * returns whether it did. Call it before loading the relay.
 */
export function optimizeHeapForSize (execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  if (setsHeapFlags(execArgv, nodeOptions)) return false
  for (const flag of RELAY_V8_FLAGS) setFlagsFromString(flag)
  return true
}

/** Undoes `optimizeHeapForSize`, for a process that goes on after the relay. */
export function restoreHeapDefaults (): void {
  for (const flag of V8_DEFAULT_FLAGS) setFlagsFromString(flag)
}
