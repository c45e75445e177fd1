/**
 * Node peers over WebRTC: two nodes that do not listen, bootstrapped only
 * from a relay process, link directly (WebRTC signalled through the relay)
 * and keep talking after the relay is killed; with `webrtc: false` the same
 * two lose each other with the relay. Run under `scripts/sandbox.sh`: WebRTC
 * needs a host candidate that is not loopback (the namespace's veth pair).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Connection } from '@libp2p/interface'
import { createRealtimeNode, InvalidOptionError } from '../src/index.ts'
import type { RealtimeNode } from '../src/index.ts'
import { bytes, joinOnRelay, sendUntilHeard, spawnRelay, stopMembers, text, waitFor, WaitTimeoutError } from '@rtmesh/testkit'
import type { RelayMembers, RelayProcess } from '@rtmesh/testkit'

const SANDBOXED = process.env.RTMESH_SANDBOX === '1'
const SKIP = !SANDBOXED && 'needs the network sandbox (root, `bash scripts/sandbox.sh …`) for WebRTC host candidates'

/** How long the direct link may take: reservation, presence rounds (0.2 s, 1.2 s, …), signalling, ICE. */
const LINK_TIMEOUT_MS = 30_000

/** `from`'s open, unlimited connections to `to` over WebRTC. */
function webrtcLinks (from: RealtimeNode, to: RealtimeNode): Connection[] {
  return from.libp2p.getConnections(to.libp2p.peerId)
    .filter((conn) => conn.status === 'open' && conn.limits === undefined && conn.remoteAddr.toString().includes('/webrtc'))
}

/** True once `from`'s gossipsub sees `to` subscribed to `topic` (the direct path is ready for frames). */
function subscribed (from: RealtimeNode, to: RealtimeNode, topic: string): boolean {
  return from.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(to.libp2p.peerId))
}

/** Waits until `node` has no connection left to the (killed) relay. */
async function relayGone (node: RealtimeNode, relay: RelayProcess): Promise<void> {
  await waitFor('the relay connection to close', () => node.libp2p.getConnections().every((c) => c.remotePeer.toString() !== relay.peerId))
}

describe('Node peers over WebRTC', { skip: SKIP }, () => {
  let relay: RelayProcess | undefined
  let members: RelayMembers<2> | undefined

  before(async () => {
    relay = await spawnRelay(['--port', '0', '--no-admin'])
  })
  after(async () => {
    await stopMembers(members)
    await relay?.kill()
  })

  it('two non-listening peers link directly and keep talking after the relay is killed', async (t) => {
    assert.ok(relay)
    members = await joinOnRelay(relay, 2)
    const { nodes: [a, b], channels: [channelA, channelB], received: [gotA, gotB], identity, topic, joinedAt } = members
    assert.deepEqual([a.multiaddrs.filter((ma) => !ma.includes('/p2p-circuit')), b.multiaddrs.filter((ma) => !ma.includes('/p2p-circuit'))], [[], []],
      'neither peer listens on an address of its own')
    await sendUntilHeard(channelA, gotB, 'via relay')
    const heardAt = Date.now()

    await waitFor('a direct WebRTC link both ways', () => webrtcLinks(a, b).length > 0 && webrtcLinks(b, a).length > 0, LINK_TIMEOUT_MS, 50)
    const linkedAt = Date.now()
    t.diagnostic(`first frame through the relay ${heardAt - joinedAt} ms after joining; direct WebRTC link ${linkedAt - joinedAt} ms after joining`)
    // what an app (and the member table) sees: each is the other's direct member
    assert.deepEqual(a.members(identity), [{ peerId: b.peerId, direct: true }])
    assert.deepEqual(b.members(identity), [{ peerId: a.peerId, direct: true }])
    // gossipsub runs over the direct link only (not on limited, relayed ones): ready once it saw the other's subscription
    await waitFor('both to see the other subscribed over the link', () => subscribed(a, b, topic) && subscribed(b, a, topic))

    await relay.kill('SIGKILL')
    await relayGone(a, relay)
    await relayGone(b, relay)
    assert.ok(webrtcLinks(a, b).length > 0, 'the direct link outlived the relay')

    for (const i of [1, 2, 3]) channelA.send(bytes(`direct ${i}`))
    for (const i of [1, 2, 3]) channelB.send(bytes(`back ${i}`))
    const labelled = (got: Uint8Array[], label: string): string[] => got.map(text).filter((m) => m.startsWith(label))
    await waitFor('b to receive the direct messages', () => labelled(gotB, 'direct').length === 3)
    await waitFor('a to receive the replies', () => labelled(gotA, 'back').length === 3)
    assert.deepEqual(labelled(gotB, 'direct'), ['direct 1', 'direct 2', 'direct 3'])
    assert.deepEqual(labelled(gotA, 'back'), ['back 1', 'back 2', 'back 3'])
  })

  it('with webrtc: false the same peers lose each other with the relay', async () => {
    const own = await spawnRelay(['--port', '0', '--no-admin'])
    let control: RelayMembers<2> | undefined
    try {
      control = await joinOnRelay(own, 2, { webrtc: false })
      const { nodes: [a, b], channels: [channelA], received: [, gotB] } = control
      await sendUntilHeard(channelA, gotB, 'via relay')
      assert.equal(a.libp2p.getConnections(b.libp2p.peerId).length, 0, 'no connection of their own')
      await own.kill('SIGKILL')
      await relayGone(a, own)
      await relayGone(b, own)
      // nothing is left to carry a frame
      assert.deepEqual([a.libp2p.getConnections().length, b.libp2p.getConnections().length], [0, 0])
      await assert.rejects(sendUntilHeard(channelA, gotB, 'after the relay', 50, 3_000), WaitTimeoutError)
    } finally {
      await stopMembers(control)
      await own.kill()
    }
  })
})

describe('the webrtc and iceServers options', () => {
  const invalid = (option: string) => (err: unknown): boolean => err instanceof InvalidOptionError && err.option === option

  it('are checked before anything starts', async () => {
    await assert.rejects(createRealtimeNode({ webrtc: 'yes' as unknown as boolean }), invalid('webrtc'))
    await assert.rejects(createRealtimeNode({ iceServers: 'stun:x' as unknown as [] }), invalid('iceServers'))
    await assert.rejects(createRealtimeNode({ iceServers: [{ urls: [] }] }), invalid('iceServers'))
    await assert.rejects(createRealtimeNode({ iceServers: [{ urls: 'http://stun.example.org' }] }), invalid('iceServers'))
    await assert.rejects(createRealtimeNode({ iceServers: [{ urls: 'turn:turn.example.org', credential: 1 as unknown as string }] }), invalid('iceServers'))
  })

  it('default to WebRTC only with bootstrap relays', async () => {
    const plain = await createRealtimeNode()
    const on = await createRealtimeNode({ webrtc: true, iceServers: [{ urls: ['stun:stun.example.org:3478'] }] })
    try {
      // the WebRTC transport answers signalling, the circuit relay transport relayed connections
      const webrtcProtocols = (node: RealtimeNode): string[] => node.libp2p.getProtocols().filter((p) => p.startsWith('/webrtc-signaling/') || p.startsWith('/libp2p/circuit/relay/'))
      assert.deepEqual(webrtcProtocols(plain), [])
      assert.equal(webrtcProtocols(on).length, 2, String(webrtcProtocols(on)))
    } finally {
      await plain.stop()
      await on.stop()
    }
  })
})
