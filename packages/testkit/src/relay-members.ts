/**
 * Members of one channel who met through relays: rtmesh nodes bootstrapped
 * only from relay addresses, each joined to the same fresh channel with a
 * recorder on its channel.
 */
import { randomBytes } from 'node:crypto'
import { createRealtimeNode, deriveChannel } from '@rtmesh/core'
import type { ChannelIdentity, RealtimeListener, RealtimeNode, RealtimeNodeOptions } from '@rtmesh/core'
import { record } from './data.ts'
import { stopAll } from './nodes.ts'

/** `N` values of `T`: a tuple when `N` is a literal (so `const [a, b] = …` needs no check), else an array. */
type Tuple<T, N extends number, Built extends T[] = []> =
  number extends N ? T[] : Built['length'] extends N ? Built : Tuple<T, N, [...Built, T]>

/** What a relay gives its clients to bootstrap from: the WebSockets address, as a `RelayProcess` has it. */
export interface RelayAddress {
  ws: string
}

/** What {@link joinOnRelay} started: element `i` of each tuple belongs to the `i`-th node. */
export interface RelayMembers<N extends number = number> {
  nodes: Tuple<RealtimeNode, N>
  /** The channel's identity: 32 random bytes of secret, chat `chat`, app `app`. */
  identity: ChannelIdentity
  /** The channel's gossipsub topic. */
  topic: string
  channels: Tuple<RealtimeListener, N>
  /** What each channel received, as {@link record} keeps it. */
  received: Tuple<Uint8Array[], N>
  /** `Date.now()` just before the first channel was joined (after every node had started). */
  joinedAt: number
}

/** A fresh channel identity: 32 random bytes of secret, chat `chat`, app `app`. */
export function randomIdentity (): ChannelIdentity {
  return { secret: randomBytes(32), chatId: 'chat', appId: 'app' }
}

/**
 * Starts `count` rtmesh nodes one after another, each bootstrapped only from
 * `relay` (plus `options`), derives a fresh identity, joins its channel on
 * every node and records what each channel receives. If a node fails to
 * start, those started are stopped. Stop them with {@link stopMembers}.
 *
 * @example
 * ```ts
 * const relay = await spawnRelay(['--port', '0', '--no-admin'])
 * let members: RelayMembers<2> | undefined
 * try {
 *   members = await joinOnRelay(relay, 2)
 *   const { channels: [channelA], received: [, gotB] } = members
 *   await sendUntilHeard(channelA, gotB, 'hello')
 * } finally {
 *   await stopMembers(members)
 *   await relay.kill()
 * }
 * ```
 */
export async function joinOnRelay<N extends number> (relay: RelayAddress, count: N, options: RealtimeNodeOptions = {}): Promise<RelayMembers<N>> {
  return asTuples(await join(Array.from({ length: count }, () => relay), options))
}

/**
 * {@link joinOnRelay} with one node per relay in `relays`, the `i`-th
 * bootstrapped only from `relays[i]`: members of one channel on federated
 * relays.
 */
export async function joinOnRelays<const R extends readonly RelayAddress[]> (relays: R, options: RealtimeNodeOptions = {}): Promise<RelayMembers<R['length']>> {
  return asTuples(await join(relays, options))
}

async function join (relays: readonly RelayAddress[], options: RealtimeNodeOptions): Promise<RelayMembers> {
  const nodes: RealtimeNode[] = []
  try {
    for (const relay of relays) nodes.push(await createRealtimeNode({ ...options, bootstrap: [relay.ws] }))
  } catch (err) {
    await stopAll(nodes)
    throw err
  }
  const identity = randomIdentity()
  const { topic } = deriveChannel(identity)
  const joinedAt = Date.now()
  const channels = nodes.map((node) => node.webxdc(identity).joinRealtimeChannel())
  const received = channels.map(record)
  return { nodes, identity, topic, channels, received, joinedAt }
}

/** `members`' arrays as the tuples they are: {@link join} made one element per relay, `N` of them. */
function asTuples<N extends number> (members: RelayMembers): RelayMembers<N> {
  return members as unknown as RelayMembers<N>
}

/** Stops every node of `members` (nothing if it is `undefined`: the join failed or never ran); for `finally` blocks. */
export async function stopMembers (members: Pick<RelayMembers, 'nodes'> | undefined): Promise<void> {
  if (members !== undefined) await stopAll(members.nodes)
}
