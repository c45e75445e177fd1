/** Counters a node keeps about its channels; read with `node.stats()`. */

import type { FrameError } from './envelope.ts'

/**
 * Why an inbound frame was not delivered (PROTOCOL.md, "Receiving"):
 * - `replay`, `stale`: seen before, or too old for a sender not known;
 * - `flood`: its sender is past its budget;
 * - `sourceFlood`, `sourceBytes`: the peer it came through is past its frame
 *   or byte budget for the channel;
 * - `newSenders`: that peer introduced too many sender ids not seen before;
 * - `tableFull`: a new sender, while the sender table is full of active ones;
 * - `bufferFull`: counts gaps (not frames) given up before the reorder
 *   timeout because a reorder buffer was full;
 * - `kind`: an authenticated frame of a kind this node does not know.
 */
export type DropReason =
  | FrameError | 'replay' | 'stale' | 'flood' | 'sourceFlood' | 'sourceBytes' | 'newSenders' | 'tableFull'
  | 'bufferFull' | 'kind'

export interface RealtimeStats {
  /** Frames this node published. */
  sent: number
  /** Payloads handed to listeners (or that arrived while no listener was set). */
  delivered: number
  /** Inbound frames dropped, by reason. */
  dropped: Record<DropReason, number>
  /** Publishes the network layer failed. */
  publishErrors: number
  /** Listener calls that threw (the error is logged and delivery goes on). */
  listenerErrors: number
}

export function emptyStats (): RealtimeStats {
  return {
    sent: 0,
    delivered: 0,
    dropped: {
      truncated: 0, oversize: 0, version: 0, auth: 0, replay: 0, stale: 0, flood: 0, sourceFlood: 0, sourceBytes: 0,
      newSenders: 0, tableFull: 0, bufferFull: 0, kind: 0
    },
    publishErrors: 0,
    listenerErrors: 0
  }
}

export function copyStats (stats: RealtimeStats): RealtimeStats {
  return { ...stats, dropped: { ...stats.dropped } }
}
