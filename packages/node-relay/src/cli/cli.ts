/**
 * The `rtmesh-relay` command (`bin/rtmesh-relay.js` calls `main`). It sets
 * V8 up for a relay (`v8-heap.ts`) and only then loads the relay itself
 * (`run.ts`): loading libp2p under V8's defaults already grows the young
 * generation to 2 × 16 MiB, pages the process then keeps.
 */
import { optimizeHeapForSize, restoreHeapDefaults } from './v8-heap.ts'

/** Runs the CLI; resolves with the exit code once the relay has stopped (or failed to start). */
export async function main (argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const optimized = optimizeHeapForSize(process.execArgv, env.NODE_OPTIONS)
  try {
    const { run } = await import('./run.ts')
    return await run(argv, env)
  } finally {
    if (optimized) restoreHeapDefaults()
  }
}
