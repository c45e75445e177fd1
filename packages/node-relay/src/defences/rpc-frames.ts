/**
 * Splits the inbound byte stream of a gossipsub stream into RPCs exactly as
 * gossipsub does (it-length-prefixed framing, then its protobuf codec with
 * its decode limits) and judges each one. Pure: no sockets, no clock; never
 * throws, whatever the bytes.
 */
import { RPC } from '@libp2p/gossipsub/message'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'

/**
 * Decode limits of gossipsub 17.1.1 (`defaultDecodeRpcLimits`,
 * dist/src/message/decodeRpc.js; not exported by the package): an RPC over
 * any of them fails gossipsub's decode. The relay does not change them.
 */
export interface DecodeLimits {
  maxSubscriptions: number
  maxMessages: number
  maxIhaveMessageIDs: number
  maxIwantMessageIDs: number
  maxControlMessages: number
  maxIdontwantMessageIDs: number
  maxPeerInfos: number
}

export const GOSSIPSUB_DECODE_LIMITS: Readonly<DecodeLimits> = {
  maxSubscriptions: 5_000,
  maxMessages: 5_000,
  maxIhaveMessageIDs: 5_000,
  maxIwantMessageIDs: 5_000,
  maxControlMessages: 5_000,
  maxIdontwantMessageIDs: 512,
  maxPeerInfos: 16
}

/** Bytes a length prefix may take before it-length-prefixed gives up (its MAX_LENGTH_LENGTH). */
const MAX_LENGTH_LENGTH = 8

/**
 * What one RPC (or the stream's framing) amounted to:
 * - `ok`: gossipsub decodes it;
 * - `malformed`: framed, but gossipsub's codec refuses it (gossipsub drops it and reads on);
 * - `oversize`: its length prefix is over the cap (gossipsub stops reading the stream);
 * - `framing`: its length prefix is not a varint of at most 8 bytes (gossipsub stops reading the stream).
 */
export type RpcVerdict = 'ok' | 'malformed' | 'oversize' | 'framing'

/** The verdicts after which gossipsub reads nothing more from the stream. */
export function isFatal (verdict: RpcVerdict): boolean {
  return verdict === 'oversize' || verdict === 'framing'
}

/** Decodes one RPC body with gossipsub's own codec and limits; false where gossipsub's `decodeRpc` would throw. */
export function decodesAsRpc (body: Uint8Array, limits: Readonly<DecodeLimits> = GOSSIPSUB_DECODE_LIMITS): boolean {
  try {
    RPC.decode(body, {
      limits: {
        subscriptions: limits.maxSubscriptions,
        messages: limits.maxMessages,
        control: {
          ihave: limits.maxControlMessages,
          ihave$: { messageIDs: limits.maxIhaveMessageIDs },
          iwant: limits.maxControlMessages,
          iwant$: { messageIDs: limits.maxIwantMessageIDs },
          graft: limits.maxControlMessages,
          prune: limits.maxControlMessages,
          prune$: { peers: limits.maxPeerInfos },
          idontwant: limits.maxControlMessages,
          idontwant$: { messageIDs: limits.maxIdontwantMessageIDs }
        }
      }
    })
    return true
  } catch {
    return false
  }
}

/**
 * One stream's splitter. Holds at most one incomplete RPC (≤ the cap plus a
 * chunk), referencing the stream's own buffers rather than copying them.
 */
export class RpcSplitter {
  private readonly buffer = new Uint8ArrayList()
  private readonly maxRpcBytes: number
  private readonly limits: Readonly<DecodeLimits>
  /** Length of the RPC being read, once its prefix is complete. */
  private bodyLength: number | undefined
  private dead = false

  constructor (maxRpcBytes: number, limits: Readonly<DecodeLimits> = GOSSIPSUB_DECODE_LIMITS) {
    this.maxRpcBytes = maxRpcBytes
    this.limits = limits
  }

  /** True once a fatal verdict was given: the stream carries nothing more gossipsub reads. */
  get stopped (): boolean {
    return this.dead
  }

  /** Takes the next chunk of the stream; returns a verdict per RPC completed in it (none if still incomplete). */
  push (chunk: Uint8Array | Uint8ArrayList): RpcVerdict[] {
    const verdicts: RpcVerdict[] = []
    if (this.dead) return verdicts
    try {
      this.buffer.append(chunk)
      this.split(verdicts)
    } catch {
      // Nothing above should throw; if something does, the stream is
      // beyond judging, and saying nothing is safer than a false strike.
      this.stop()
    }
    return verdicts
  }

  private split (verdicts: RpcVerdict[]): void {
    while (!this.dead) {
      if (this.bodyLength === undefined) {
        if (this.buffer.byteLength === 0) return
        let length: number
        try {
          length = varint.decode(this.buffer)
        } catch (err) {
          if (!(err instanceof RangeError)) throw err
          // an incomplete prefix: wait for more, unless it is already too long
          if (this.buffer.byteLength > MAX_LENGTH_LENGTH) this.fatal(verdicts, 'framing')
          return
        }
        if (length < 0 || !Number.isSafeInteger(length)) {
          this.fatal(verdicts, 'framing')
          return
        }
        if (length > this.maxRpcBytes) {
          this.fatal(verdicts, 'oversize')
          return
        }
        this.buffer.consume(varint.encodingLength(length))
        this.bodyLength = length
      }
      if (this.buffer.byteLength < this.bodyLength) return
      const body = this.buffer.subarray(0, this.bodyLength)
      this.buffer.consume(this.bodyLength)
      this.bodyLength = undefined
      verdicts.push(decodesAsRpc(body, this.limits) ? 'ok' : 'malformed')
    }
  }

  private fatal (verdicts: RpcVerdict[], verdict: RpcVerdict): void {
    verdicts.push(verdict)
    this.stop()
  }

  private stop (): void {
    this.dead = true
    this.buffer.consume(this.buffer.byteLength)
  }
}
