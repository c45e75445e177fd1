/**
 * Relay defaults, sized for a community deployment on a small VPS rather
 * than libp2p's defaults (15 reservations, 5 inbound connections per second
 * per host). Each says where its value comes from.
 */

/** WebSockets port browsers and clients connect to (libp2p's customary 4001). */
export const DEFAULT_PORT = 4001
/** Listen on every interface, as a server does; the README's local run passes 127.0.0.1. */
export const DEFAULT_HOST = '0.0.0.0'
/** Admin HTTP (/healthz, /metrics): loopback only unless asked (metrics are not for the public). */
export const DEFAULT_ADMIN_HOST = '127.0.0.1'
export const DEFAULT_ADMIN_PORT = 9464
/** The demo web page (`--demo`). */
export const DEFAULT_DEMO_PORT = 8080

/** Total connections (guess: ~50 KiB each, well inside 1 GiB). */
export const DEFAULT_MAX_CONNECTIONS = 4_096
/** Connections from one IP address: a campus NAT or a test machine holds hundreds of peers. */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 512
/** New inbound connections accepted per second from one host (libp2p default: 5). */
export const DEFAULT_INBOUND_CONNECTIONS_PER_SECOND = 500
/** Connections being upgraded at once. */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 256
/**
 * Sockets one address (IPv4, or IPv6 /64) may hold before they become libp2p
 * connections: about a classroom behind one NAT opening the page at the same
 * moment (guess). With it, one address holds at most an eighth of the
 * pending slots above.
 */
export const DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP = 32
/**
 * Accept to upgraded libp2p connection (TCP, WebSockets HTTP upgrade, Noise,
 * Yamux, all together): libp2p's own inbound upgrade timeout (10 s), which
 * it starts only after the HTTP upgrade and which WebSocket sockets that
 * never send a byte never reach. About 8 round trips at 1 s (a bad mobile link).
 */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 10_000
/** Bans kept at once, peer ids and addresses together: ~100 bytes each, 1 MB in all; beyond it the oldest ban ends early. */
export const DEFAULT_MAX_BANS = 10_000

/** Circuit relay reservations (libp2p default 15: one classroom fills it). */
export const DEFAULT_MAX_RESERVATIONS = 1_024
/**
 * A relayed connection is reset after this long. Circuits carry only identify
 * and WebRTC signalling (channel frames never ride them: gossipsub does not
 * run on limited connections, see core's PROTOCOL.md), and a WebRTC
 * handshake through a relay takes a few seconds even on slow links; this is
 * libp2p's own default. A longer limit only helps someone using the relay as
 * a free tunnel. `--relay-duration-limit` raises it.
 */
export const DEFAULT_RELAY_DURATION_LIMIT_MS = 2 * 60_000
/**
 * A relayed connection is reset after this many bytes. Identify is ~1-2 KB
 * each way and one WebRTC signalling exchange (SDP offer and answer, a few
 * dozen ICE candidates) ~10-20 KB: 1 MiB is ~50x what one needs, enough for
 * retries, and small enough that circuits are no bandwidth relay (libp2p's
 * default is 128 KiB). `--relay-data-limit` raises it.
 */
export const DEFAULT_RELAY_DATA_LIMIT = 1024n * 1024n
/** Reservations one address (IPv4, or IPv6 /64) may hold: a school NAT with a class of 30 browsers, two tabs each (guess). */
export const DEFAULT_MAX_RESERVATIONS_PER_IP = 64
/** How often reservations whose holder has no connection left are released (they are also released on disconnect; this catches races). */
export const RESERVATION_SWEEP_MS = 30_000

/** Channel frames a peer may send per second on average (webxdc apps send tens per second at most). */
export const DEFAULT_MESSAGES_PER_SECOND = 100
/** Burst allowance above the average. */
export const DEFAULT_MESSAGE_BURST = 400
/** Channel bytes a peer may send per second on average: eight 128 000-byte frames a second (webxdc apps send large frames rarely). */
export const DEFAULT_BYTES_PER_SECOND = 1024 * 1024
/** Bytes a peer may send in a burst: 32 full frames. */
export const DEFAULT_BYTE_BURST = 4 * 1024 * 1024
/** Channel topics one client peer can make the relay carry (a device runs a few apps in a few chats). */
export const DEFAULT_MAX_CHANNELS_PER_PEER = 64
/**
 * Channel topics one relay carries in all. Gossipsub sends a peer all of a
 * node's subscriptions in one RPC when a stream opens (~80 bytes a topic), and
 * peers read RPCs up to 256 KiB (`MAX_INBOUND_RPC_BYTES`): 2 000 topics are
 * ~160 KiB, and `MAX_CHANNELS_LIMIT` is what still fits with room for control.
 */
export const DEFAULT_MAX_CHANNELS = 2_000
export const MAX_CHANNELS_LIMIT = 3_000
/** Frames dropped for rate within one window before the peer is disconnected. */
export const FLOOD_DISCONNECT_DROPS = 200
/** How long a disconnected misbehaving peer is refused. */
export const DEFAULT_BAN_MS = 60_000

/** Stay subscribed to a channel topic this long after its last local member left (gossipsub's unsubscribe backoff). */
export const TOPIC_LINGER_MS = 10_000

/** Protocol a relay registers, so that relays and members recognise it after identify. */
export { RELAY_PROTOCOL } from '@rtmesh/core'
/** Public topic on which relays announce themselves to each other. */
export const FEDERATION_TOPIC = 'rtmesh/relays/2'
/** How often a relay announces its addresses to the federation. */
export const FEDERATION_ANNOUNCE_MS = 15_000

/** Graceful shutdown budget before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 5_000
