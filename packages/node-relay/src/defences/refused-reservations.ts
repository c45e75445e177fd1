/**
 * Closes the relay's end of a hop stream on which it refused a reservation.
 * The circuit relay server (@libp2p/circuit-relay-v2 4.2.13,
 * `handleReserve`) closes its end after granting one, but after refusing one
 * (PERMISSION_DENIED from the gater: a banned peer, or an address at
 * `maxReservationsPerIp`; RESERVATION_REFUSED when every slot is taken) it
 * writes the status and returns with its end open. The client reads the
 * status and closes its own end; the relay's end then stays open, half
 * closed, as long as the connection: 236 such streams with 300 clients on one
 * address (64 reservations per address), each a Yamux stream with its
 * listeners, buffers and logger (heap after a full collection: 2.3 MiB, 8 KiB
 * per client). Closing it, as the success path does, ends the stream.
 */
import type { AbortOptions, Stream } from '@libp2p/interface'

/** What the server's `handleReserve` is given: the hop stream, wrapped for protobuf reads and writes. */
interface HopRequest {
  stream: { unwrap: () => Stream }
}

/**
 * The one method of the server this wraps. It is public on the server class
 * (`CircuitRelayServer`), which the package does not export (its factory
 * returns the narrower `CircuitRelayService`), so it is checked at run time.
 */
interface ReserveHandler {
  handleReserve?: (request: HopRequest, options: AbortOptions) => Promise<void>
}

/**
 * Makes `server` close the relay's end of every reservation hop stream once
 * it has answered, whatever the answer. Returns false if `server` has no
 * `handleReserve` (another version of the library), leaving it unchanged.
 */
export function closeRefusedReservations (server: object): boolean {
  const target = server as ReserveHandler
  const handleReserve = target.handleReserve
  if (typeof handleReserve !== 'function') return false
  target.handleReserve = async (request, options) => {
    await handleReserve.call(server, request, options)
    const stream = request.stream.unwrap() // idempotent: the success path has unwrapped it already
    if (stream.writeStatus !== 'writable') return // the success path closed it
    try {
      await stream.close(options)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
  return true
}
