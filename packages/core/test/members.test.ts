/**
 * The member table alone: goodbyes end only the join that said them, dials
 * stop at the wanted number of direct links and back off after failures,
 * and its changes (joined, left, lost) as the app's presence events see them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DIAL_BACKOFF_MS, MAX_KNOWN_MEMBERS, MEMBER_TTL_MS, MemberTable } from '../src/proto/members.ts'

const T0 = 1_700_000_000_000
const addr = (id: string): string => `/ip4/10.0.0.1/tcp/1/p2p/${id}`

describe('member table', () => {
  it('a late goodbye of an earlier join does not remove a member that joined again', () => {
    const table = new MemberTable('self', 6, () => 0.5, T0)
    table.onPresence({ peerId: 'ada', multiaddrs: [addr('ada')] }, 'join-1', T0)
    table.onPresence({ peerId: 'ada', multiaddrs: [addr('ada')] }, 'join-2', T0 + 10)
    table.onPresence({ peerId: 'ada', multiaddrs: [], bye: true }, 'join-1', T0 + 20)
    assert.deepEqual(table.list(T0 + 30).map((m) => m.peerId), ['ada'])
    table.onPresence({ peerId: 'ada', multiaddrs: [], bye: true }, 'join-2', T0 + 40)
    assert.deepEqual(table.list(T0 + 50), [])
  })

  it('dials until it has the wanted direct links, and not a failed member again before the backoff', () => {
    const table = new MemberTable('self', 2, () => 0.5, T0)
    const dials = ['a', 'b', 'c'].flatMap((id) => table.onPresence({ peerId: id, multiaddrs: [addr(id), '/not/an/address'] }, id, T0))
    assert.equal(dials.length, 2)
    for (const dial of dials) assert.equal(dial.addrs.length, 1, 'addresses that do not parse or name another peer are dropped')
    const [first, second] = dials
    assert.ok(first !== undefined && second !== undefined)
    table.onDialed(first.peerId, true, T0 + 5)
    table.onLink(first.peerId, true)
    table.onDialed(second.peerId, false, T0 + 5)
    // the next presence dials the member not tried yet, not the one that failed
    const retry = table.onPresence({ peerId: 'a', multiaddrs: [addr('a')] }, 'a', T0 + 10)
    const untried = ['a', 'b', 'c'].find((id) => id !== first.peerId && id !== second.peerId)
    assert.deepEqual(retry.map((d) => d.peerId), [untried])
    table.onDialed(untried ?? '', false, T0 + 15)
    assert.deepEqual(table.onPresence({ peerId: 'a', multiaddrs: [addr('a')] }, 'a', T0 + 20), [])
    // after the backoff one of the failed members is tried again (one link is missing)
    const again = table.onPresence({ peerId: 'a', multiaddrs: [addr('a')] }, 'a', T0 + 20 + DIAL_BACKOFF_MS)
    assert.equal(again.length, 1)
    assert.ok([second.peerId, untried].includes(again[0]?.peerId))
  })

  it('reports joined once per join, left on its goodbye, and left then joined when a new join replaces an old one', () => {
    const table = new MemberTable('self', 6, () => 0.5, T0)
    const changes = (): string[] => table.takeChanges().map((c) => `${c.type} ${c.peerId} ${c.senderId}`)
    table.onPresence({ peerId: 'ada', multiaddrs: [] }, 'join-1', T0)
    table.onPresence({ peerId: 'ada', multiaddrs: [] }, 'join-1', T0 + 10)
    table.onPresence({ peerId: 'self', multiaddrs: [] }, 'mine', T0 + 10)
    assert.deepEqual(changes(), ['joined ada join-1'])
    table.onPresence({ peerId: 'ada', multiaddrs: [] }, 'join-2', T0 + 20)
    assert.deepEqual(changes(), ['left ada join-1', 'joined ada join-2'])
    table.onPresence({ peerId: 'ada', multiaddrs: [], bye: true }, 'join-1', T0 + 30)
    assert.deepEqual(changes(), [], 'the late goodbye of the replaced join changes nothing')
    table.onPresence({ peerId: 'ada', multiaddrs: [], bye: true }, 'join-2', T0 + 40)
    assert.deepEqual(changes(), ['left ada join-2'])
    table.onPresence({ peerId: 'ada', multiaddrs: [], bye: true }, 'join-2', T0 + 50)
    assert.deepEqual(changes(), [])
  })

  it('reports lost exactly the member TTL after the last presence, and asks for a timer then', () => {
    const table = new MemberTable('self', 6, () => 0.5, T0)
    table.onPresence({ peerId: 'ada', multiaddrs: [] }, 'a', T0)
    table.onPresence({ peerId: 'bob', multiaddrs: [] }, 'b', T0 + 1_000)
    table.onPresence({ peerId: 'ada', multiaddrs: [] }, 'a', T0 + 2_000)
    table.takeChanges()
    assert.ok(table.nextDeadline() <= T0 + 1_000 + MEMBER_TTL_MS)
    table.expire(T0 + 1_000 + MEMBER_TTL_MS - 1)
    assert.deepEqual(table.takeChanges(), [])
    table.expire(T0 + 1_000 + MEMBER_TTL_MS)
    assert.deepEqual(table.takeChanges(), [{ type: 'lost', peerId: 'bob', senderId: 'b' }])
    assert.deepEqual(table.list(T0 + 2_000 + MEMBER_TTL_MS).map((m) => m.peerId), [])
    assert.deepEqual(table.takeChanges(), [{ type: 'lost', peerId: 'ada', senderId: 'a' }])
  })

  it('reports a member forgotten to make room as lost', () => {
    const table = new MemberTable('self', 0, () => 0.5, T0)
    for (let i = 0; i <= MAX_KNOWN_MEMBERS; i++) table.onPresence({ peerId: `m${i}`, multiaddrs: [] }, `s${i}`, T0 + i)
    const changes = table.takeChanges()
    assert.equal(changes.filter((c) => c.type === 'joined').length, MAX_KNOWN_MEMBERS + 1)
    assert.deepEqual(changes.filter((c) => c.type === 'lost'), [{ type: 'lost', peerId: 'm0', senderId: 's0' }])
  })
})
