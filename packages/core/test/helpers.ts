/**
 * Kept only for discovery.test.ts, whose imports move to `@rtmesh/testkit`
 * with its rewrite; delete this file then.
 */
export { bytes, connect, record, startNodes, stopAll, text, waitFor } from '@rtmesh/testkit'
