/**
 * Node's `node:crypto`, when the code runs in Node (or a runtime that
 * provides it the same way), without importing it: browser bundles must not
 * pull it in, and the envelope must stay synchronous (no dynamic `import()`).
 */
import type * as NodeCrypto from 'node:crypto'

export type NodeCryptoModule = typeof NodeCrypto

interface BuiltinModuleProcess {
  getBuiltinModule?: (id: string) => unknown
}

let cached: NodeCryptoModule | null | undefined

/**
 * `node:crypto` via `process.getBuiltinModule` (Node ≥ 20.16 / 22.3), looked
 * up once; undefined in browsers, workers without `process`, and older Node.
 */
export function nodeCrypto (): NodeCryptoModule | undefined {
  if (cached === undefined) {
    cached = null
    try {
      const proc = (globalThis as { process?: BuiltinModuleProcess }).process
      const crypto = proc?.getBuiltinModule?.('node:crypto')
      if (typeof crypto === 'object' && crypto !== null) cached = crypto as NodeCryptoModule
    } catch {
      // a runtime whose getBuiltinModule throws: stay with the portable code
    }
  }
  return cached ?? undefined
}
