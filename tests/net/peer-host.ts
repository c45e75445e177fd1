/**
 * A peer-host process of the test network: runs several @rtmesh/core peers
 * and obeys the runner over IPC. Started by the runner with `fork`.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { hexToBytes } from '@noble/hashes/utils.js'
import { createRealtimeNode, deriveChannel } from '@rtmesh/core'
import type { RealtimeListener, RealtimeNode } from '@rtmesh/core'
import { startRawNode } from '@rtmesh/testkit'
import { decodePayload, encodePayload } from './protocol.ts'
import type { ChannelSpec, Command, PeerEvent, PeerSpec } from './protocol.ts'

interface Peer {
  spec: PeerSpec
  node: RealtimeNode | undefined
  channels: Map<string, { spec: ChannelSpec, channel: RealtimeListener }>
  timers: Set<ReturnType<typeof setInterval>>
  seq: number
}

const peers = new Map<string, Peer>()
let events: PeerEvent[] = []
const emit = (event: PeerEvent): void => { events.push(event) }
const flush = setInterval(() => {
  if (events.length === 0) return
  process.send?.({ t: 'events', events })
  events = []
}, 100)

function must (name: string): Peer {
  const peer = peers.get(name)
  if (peer === undefined) throw new Error(`no peer ${name}`)
  return peer
}

/**
 * `RTMESH_NET_HISTORY_GOSSIP=<heartbeats>` turns gossipsub's history gossip
 * (IHAVE of recent frames) back on in the peers: a control run, in which
 * the churn scenario's returners must be caught receiving frames sent while
 * they were away (`sentWhileAway` > 0).
 */
const HISTORY_GOSSIP = Number(process.env.RTMESH_NET_HISTORY_GOSSIP ?? 0)

async function startNode (peer: Peer): Promise<void> {
  peer.node = await createRealtimeNode({
    bootstrap: peer.spec.bootstrap,
    webrtc: peer.spec.webrtc,
    ...(peer.spec.listen ? { listen: ['/ip4/127.0.0.1/tcp/0'] } : {}),
    ...(HISTORY_GOSSIP > 0 ? { gossipsub: { mcacheGossip: HISTORY_GOSSIP } } : {})
  })
  emit({ k: 'started', name: peer.spec.name, peerId: peer.node.peerId, at: Date.now() })
}

/**
 * Joins a channel. The membership's `joined` time is when the join call
 * began: the report lets a message reach a member only if its join began
 * while the message was still in flight.
 */
function join (peer: Peer, spec: ChannelSpec): void {
  const node = peer.node
  if (node === undefined) return
  const identity = { secret: hexToBytes(spec.secretHex), chatId: spec.chatId, appId: spec.appId }
  const at = Date.now()
  const channel = node.webxdc(identity).joinRealtimeChannel()
  channel.setListener((data) => {
    // a killed peer's app is gone (its node may still be stopping): nothing reaches it
    if (peer.node !== node) return
    const decoded = decodePayload(data)
    if (decoded !== undefined) emit({ k: 'recv', id: decoded.id, name: peer.spec.name, channel: spec.label, at: Date.now(), sentAt: decoded.sentAt, from: decoded.channel })
  })
  peer.channels.set(spec.label, { spec, channel })
  emit({ k: 'joined', name: peer.spec.name, channel: spec.label, at })
}

function every (peer: Peer, rate: number, untilMs: number, fn: () => void): void {
  const timer = setInterval(() => {
    if (Date.now() >= untilMs || peer.node === undefined) {
      clearInterval(timer)
      peer.timers.delete(timer)
      return
    }
    fn()
  }, Math.max(1, 1_000 / rate))
  peer.timers.add(timer)
}

/** Takes the peer off the network at once; its node finishes stopping in the background. */
function kill (peer: Peer): Promise<void> {
  for (const timer of peer.timers) clearInterval(timer)
  peer.timers.clear()
  const node = peer.node
  peer.node = undefined
  emit({ k: 'killed', name: peer.spec.name, at: Date.now() })
  return node?.stop() ?? Promise.resolve()
}

async function handle (command: Command): Promise<void> {
  switch (command.t) {
    case 'start':
      await Promise.all(command.peers.map(async (spec) => {
        const peer: Peer = { spec, node: undefined, channels: new Map(), timers: new Set(), seq: 0 }
        peers.set(spec.name, peer)
        await startNode(peer)
      }))
      break
    case 'join':
      join(must(command.name), command.channel)
      break
    case 'leave': {
      const peer = must(command.name)
      peer.channels.get(command.channel)?.channel.leave()
      peer.channels.delete(command.channel)
      emit({ k: 'left', name: command.name, channel: command.channel, at: Date.now() })
      break
    }
    case 'traffic': {
      const peer = must(command.name)
      every(peer, command.rate, command.untilMs, () => {
        const entry = peer.channels.get(command.channel)
        if (entry === undefined) return
        const id = `${peer.spec.name}.${peer.seq++}`
        const at = Date.now()
        entry.channel.send(encodePayload(id, command.channel, at, command.size))
        emit({ k: 'sent', id, name: peer.spec.name, channel: command.channel, at, kind: command.kind })
      })
      break
    }
    case 'garbage': {
      // a peer that knows the topic string but not the key
      const peer = must(command.name)
      const raw = await startRawNode({ listen: false })
      const relay = peer.spec.bootstrap[0]
      if (relay === undefined) throw new Error(`garbage peer ${peer.spec.name} has no relay`)
      await raw.dial(multiaddr(relay))
      const { topic } = deriveChannel({ secret: hexToBytes(command.channel.secretHex), chatId: command.channel.chatId, appId: command.channel.appId })
      raw.services.pubsub.subscribe(topic)
      every(peer, command.rate, command.untilMs, () => {
        const frame = crypto.getRandomValues(new Uint8Array(200))
        frame[0] = 1
        raw.services.pubsub.publish(topic, frame).catch(() => {})
      })
      setTimeout(() => { void raw.stop() }, Math.max(0, command.untilMs - Date.now()) + 1_000)
      break
    }
    case 'kill':
      void kill(must(command.name))
      break
    case 'restart': {
      const peer = must(command.name)
      if (peer.node !== undefined) void kill(peer)
      await startNode(peer)
      const channels = [...peer.channels.values()].map((c) => c.spec)
      peer.channels.clear()
      for (const spec of channels) join(peer, spec)
      break
    }
    case 'stop':
      await Promise.all([...peers.values()].map(async (peer) => { await kill(peer) }))
      clearInterval(flush)
      process.send?.({ t: 'events', events })
      process.disconnect()
      return
  }
}

// periodic link report: direct member links and relay connections per peer
const links = setInterval(() => {
  for (const peer of peers.values()) {
    const node = peer.node
    if (node === undefined) continue
    const bootstrapIds = new Set(peer.spec.bootstrap.map((a) => a.split('/p2p/').pop()))
    const remotes = new Set(node.libp2p.getConnections().filter((c) => c.status === 'open').map((c) => c.remotePeer.toString()))
    const relays = [...remotes].filter((id) => bootstrapIds.has(id)).length
    const direct = remotes.size - relays
    emit({ k: 'links', name: peer.spec.name, direct, relays, at: Date.now() })
  }
}, 1_000)

let queue = Promise.resolve()
process.on('message', (command: Command) => {
  queue = queue.then(async () => { await handle(command) }).catch((err: unknown) => {
    emit({ k: 'error', name: 'host', message: String(err) })
  })
})
process.on('disconnect', () => {
  clearInterval(links)
  clearInterval(flush)
  setTimeout(() => process.exit(0), 100).unref()
})
