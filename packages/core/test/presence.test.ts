/**
 * Presence and connection events over real libp2p nodes and a relay process:
 * members bootstrapped only from the relay see each other join; one leaves
 * (`left`), one is cut off without a goodbye (`lost`); a member's connection
 * state goes `relayed` → `offline` when the relay is killed → `relayed` when
 * it is back on the same address.
 *
 * The members here announce every second and count a member lost after 5 s
 * of silence (the defaults, 60 s and 150 s, are tested on the simulation's
 * virtual clock in `sim.test.ts`), through the service's internal settings.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { libp2pComponents } from '../src/api/node.ts'
import type { PubSubLibp2p } from '../src/api/node.ts'
import { ChannelHandle, nodeConnectionState, realtimeLibp2pOptions, RtmeshService } from '../src/index.ts'
import type { ChannelIdentity, ConnectionState, PresenceEvent, RealtimeChannel, RealtimeExtensions, RealtimeOptions } from '../src/index.ts'
import type { PresenceTiming } from '../src/proto/members.ts'
import { freePort, randomIdentity, spawnRelay, waitFor } from '@rtmesh/testkit'
import type { RelayProcess } from '@rtmesh/testkit'

const FAST: PresenceTiming = { reannounceMs: 1_000, memberTtlMs: 5_000 }
/** Generous: joins take a presence round or two, loss the TTL, a relay's return the keeper's backoff (≤ 10 s). */
const EVENT_TIMEOUT_MS = 30_000

/**
 * A member: a libp2p node that only dials (no listen address, no WebRTC, so
 * no direct links: everything goes through the relay), with the rtmesh
 * service started on its public API rather than as one of its services, so
 * that stopping the libp2p node cuts the member off without a goodbye.
 */
interface Member {
  libp2p: PubSubLibp2p
  service: RtmeshService
  id: string
}

async function startMember (options: RealtimeOptions, timing: PresenceTiming): Promise<Member> {
  const base = realtimeLibp2pOptions()
  const libp2p: PubSubLibp2p = await createLibp2p({ ...base, transports: [tcp(), webSockets()] })
  const service = new RtmeshService(libp2pComponents(libp2p), options, { presenceTiming: timing })
  service.start()
  await service.afterStart()
  return { libp2p, service, id: libp2p.peerId.toString() }
}

async function stopMember (member: Member): Promise<void> {
  member.service.stop()
  await member.libp2p.stop()
}

function extensions (channel: RealtimeChannel): RealtimeExtensions {
  assert.ok(channel.rtmesh !== undefined, 'a channel of an rtmesh node has the extensions')
  return channel.rtmesh
}

/** Joins `identity` on `member` and records its presence events and connection states from the join on. */
function joinChannel (member: Member, identity: ChannelIdentity): { channel: RealtimeChannel, presence: PresenceEvent[], states: ConnectionState[] } {
  const channel = member.service.webxdc(identity).joinRealtimeChannel()
  const presence: PresenceEvent[] = []
  const states: ConnectionState[] = []
  extensions(channel).onPresence((event) => presence.push(event))
  extensions(channel).onConnection((state) => states.push(state))
  return { channel, presence, states }
}

const about = (events: PresenceEvent[], member: Member): string[] => events.filter((e) => e.peerId === member.id).map((e) => e.type)

describe('the extensions are optional', () => {
  it('a channel carried without an extensions backend (a bridge) has no rtmesh, and its webxdc methods are the same', () => {
    const sent: Uint8Array[] = []
    const plain = new ChannelHandle({ send: (data) => { sent.push(data) }, leave: () => {} })
    assert.equal('rtmesh' in plain, false)
    const extended = new ChannelHandle({ send: () => {}, leave: () => {} }, () => {}, { members: () => [], connection: () => 'offline' })
    assert.equal(typeof extended.rtmesh?.onPresence, 'function')
    for (const method of ['send', 'setListener', 'leave'] as const) assert.equal(typeof plain[method], typeof extended[method])
    plain.send(new Uint8Array([1]))
    assert.deepEqual(sent, [new Uint8Array([1])])
    assert.throws(() => extended.rtmesh?.onPresence('not a function' as unknown as () => void), TypeError)
  })

  it('a node is as connected as its best channel, and relayed or offline by its relays without one', () => {
    assert.equal(nodeConnectionState([], false), 'offline')
    assert.equal(nodeConnectionState([], true), 'relayed')
    assert.equal(nodeConnectionState(['offline', 'relayed'], true), 'relayed')
    assert.equal(nodeConnectionState(['relayed', 'direct'], true), 'direct')
    assert.equal(nodeConnectionState(['direct'], false), 'direct', 'a direct member link without any relay')
  })
})

describe('presence and connection events over a relay', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  // every step runs even if one fails (a relay process left running would keep the test alive)
  after(async () => {
    const errors: unknown[] = []
    for (const run of cleanup.reverse()) await run().catch((err: unknown) => { errors.push(err) })
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed')
  })

  it('members see each other join; a leaver is reported left, a member cut off without goodbye lost', async () => {
    const relay = await spawnRelay(['--port', '0', '--no-admin'])
    cleanup.push(async () => await relay.kill())
    const options = { bootstrap: [relay.ws] }
    const [ada, bob, cy] = await Promise.all([0, 1, 2].map(async () => await startMember(options, FAST)))
    assert.ok(ada !== undefined && bob !== undefined && cy !== undefined)
    cleanup.push(async () => { await Promise.all([ada, bob, cy].map(stopMember)) })
    const identity = randomIdentity()
    const atAda = joinChannel(ada, identity)
    const atBob = joinChannel(bob, identity)
    joinChannel(cy, identity)
    assert.equal(extensions(atAda.channel).connection(), 'relayed', 'connected to the relay, no direct link')

    await waitFor('ada and bob to see the two others join', () =>
      [atAda, atBob].every((at) => at.presence.filter((e) => e.type === 'joined').length === 2), EVENT_TIMEOUT_MS)
    assert.deepEqual(about(atAda.presence, bob), ['joined'])
    assert.deepEqual(about(atBob.presence, ada), ['joined'])
    assert.deepEqual(extensions(atAda.channel).members().map((m) => [m.peerId, m.direct]).sort(), [[bob.id, false], [cy.id, false]].sort())
    const bobsJoin = atAda.presence.find((e) => e.peerId === bob.id)?.senderId
    assert.match(bobsJoin ?? '', /^[0-9a-f]{32}$/)

    atBob.channel.leave()
    await waitFor('ada to see bob leave', () => about(atAda.presence, bob).length === 2, EVENT_TIMEOUT_MS)
    assert.deepEqual(about(atAda.presence, bob), ['joined', 'left'])
    assert.equal(atAda.presence.find((e) => e.type === 'left')?.senderId, bobsJoin, 'the goodbye ends the join that joined')
    assert.throws(() => extensions(atBob.channel).onPresence(() => {}), { name: 'ChannelClosedError' })
    assert.deepEqual(extensions(atBob.channel).members(), [])

    // cut off: cy's libp2p stops, its channel never says goodbye
    await cy.libp2p.stop()
    const cutAt = Date.now()
    await waitFor('ada to report cy lost', () => about(atAda.presence, cy).length === 2, EVENT_TIMEOUT_MS)
    const lostAfter = Date.now() - cutAt
    assert.deepEqual(about(atAda.presence, cy), ['joined', 'lost'])
    // lost is reported the TTL after cy's last presence, which was at most one interval before the cut
    assert.ok(lostAfter <= FAST.memberTtlMs + 15_000, `lost ${lostAfter} ms after the cut (TTL ${FAST.memberTtlMs} ms)`)
    assert.deepEqual(extensions(atAda.channel).members(), [])
    assert.equal(ada.service.stats().listenerErrors, 0)
    atAda.channel.leave()
  })

  it('a member\'s connection state (channel and node) goes relayed → offline when its relay is killed → relayed when the relay is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtmesh-presence-'))
    cleanup.push(async () => { await rm(dir, { recursive: true, force: true }) })
    const args = ['--port', String(await freePort()), '--tcp-port', String(await freePort()), '--no-admin', '--key-file', join(dir, 'relay.key')]
    let relay: RelayProcess = await spawnRelay(args)
    cleanup.push(async () => await relay.kill())
    const member = await startMember({ bootstrap: [relay.ws] }, FAST)
    cleanup.push(async () => { await stopMember(member) })
    const { channel, states } = joinChannel(member, randomIdentity())
    const ext = extensions(channel)
    assert.equal(ext.connection(), 'relayed')
    const thrown = ext.onConnection(() => { throw new Error('a listener that throws') })
    const nodeStates: ConnectionState[] = []
    assert.equal(member.service.connection(), 'relayed')
    member.service.onConnection((state) => nodeStates.push(state))

    await relay.kill()
    await waitFor('the state to go offline', () => states.length >= 1, EVENT_TIMEOUT_MS)
    assert.deepEqual(states, ['offline'])
    assert.equal(ext.connection(), 'offline')
    thrown()

    const before = relay.ws
    relay = await spawnRelay(args)
    assert.equal(relay.ws, before, 'the relay is back on the same address, with the same peer id')
    await waitFor('the state to go relayed again (the keeper redials)', () => states.length >= 2, EVENT_TIMEOUT_MS)
    assert.deepEqual(states, ['offline', 'relayed'])
    assert.equal(ext.connection(), 'relayed')
    assert.deepEqual(nodeStates, ['offline', 'relayed'], 'the node-level state follows the same changes')
    assert.equal(member.service.connection(), 'relayed')
    assert.equal(member.service.stats().listenerErrors, 1, 'the throwing listener was counted, the other still ran')
    channel.leave()
  })
})
