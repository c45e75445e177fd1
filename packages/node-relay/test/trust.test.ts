/**
 * Pure parts of federation: the announcement parser and relay trust.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeAnnouncement, parseAnnouncement, verifyAnnouncement } from '../src/federation/announcement.ts'
import { dialableAddrs } from '../src/federation/federation.ts'
import { PeerRateLimiter } from '../src/channels/rate-limit.ts'
import { RelayTrust } from '../src/federation/trust.ts'

describe('federation announcements', () => {
  it('round-trips, verifies, and refuses tampering and non-multiaddrs', async () => {
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key)
    const addr = multiaddr(`/ip4/203.0.113.7/tcp/4002/p2p/${id.toString()}`)
    const data = await encodeAnnouncement(key, id, [addr], [], 1_000)
    const parsed = parseAnnouncement(data)
    assert.ok(parsed)
    assert.equal(parsed.peerId.toString(), id.toString())
    assert.deepEqual(parsed.addrs.map(String), [addr.toString()])
    assert.equal(await verifyAnnouncement(parsed), true)
    const tampered = data.slice()
    tampered[10] = (tampered[10] ?? 0) ^ 1
    const reparsed = parseAnnouncement(tampered)
    assert.ok(reparsed === undefined || !await verifyAnnouncement(reparsed))
    // what crashed relays: an address that is not a multiaddr
    const body = new TextEncoder().encode(JSON.stringify({ v: 2, p: id.toString(), a: [`x/p2p/${id.toString()}`], r: [], t: 1 }))
    const bad = new Uint8Array(2 + body.byteLength + 64)
    bad[0] = body.byteLength >> 8
    bad[1] = body.byteLength & 0xff
    bad.set(body, 2)
    assert.equal(parseAnnouncement(bad), undefined)
    assert.equal(parseAnnouncement(new TextEncoder().encode('{"p":"x","a":["x/p2p/x"]}')), undefined)
  })

  it('dials public IP addresses only, at most four, unless private ones are allowed', () => {
    const p = '/p2p/12D3KooWF6F7eeUbCYFGaswwYHB4EdequECA2CYaKYc24mZcg9RQ'
    const addrs = ['/ip4/127.0.0.1/tcp/1', '/ip4/10.0.0.1/tcp/1', '/dns4/example.com/tcp/1', ...[1, 2, 3, 4, 5].map((n) => `/ip4/93.184.216.${n}/tcp/1`)]
      .map((a) => multiaddr(a + p))
    assert.deepEqual(dialableAddrs(addrs, false).map((ma) => ma.toString().split('/')[2]), ['93.184.216.1', '93.184.216.2', '93.184.216.3', '93.184.216.4'])
    assert.deepEqual(dialableAddrs(addrs, true).map((ma) => ma.toString().split('/')[2]), ['127.0.0.1', '10.0.0.1', '93.184.216.1', '93.184.216.2'])
  })
})

describe('relay trust', () => {
  it('trusts configured relays and their vouches, one level deep, never a claim', () => {
    const trust = new RelayTrust('self', ['b'])
    assert.equal(trust.isRelay('b'), true)
    assert.equal(trust.isRelay('c'), false)
    assert.equal(trust.accept('c', 1, ['d']), false, 'an unconfigured announcer is refused')
    assert.equal(trust.accept('b', 1, ['c', 'self']), true)
    assert.equal(trust.isRelay('c'), true, 'b vouches for c')
    assert.equal(trust.isRelay('self'), false)
    assert.equal(trust.accept('c', 1, ['d']), true)
    assert.equal(trust.isRelay('d'), false, "c's vouches count for nothing")
    assert.equal(trust.accept('b', 1, []), false, 'a replayed (not newer) announcement is refused')
    assert.equal(trust.accept('b', 2, []), true)
    assert.equal(trust.isRelay('c'), false, 'b withdrew its vouch')
  })
})

describe('per-peer rate limiter', () => {
  it('counts bytes beside frames: large frames exhaust the byte budget first', () => {
    const limiter = new PeerRateLimiter({ rate: 100, burst: 400, byteRate: 1_000_000, byteBurst: 1_000_000, floodDrops: 1_000 })
    const verdicts = Array.from({ length: 10 }, () => limiter.check('p', 0, 128_074))
    assert.equal(verdicts.filter((v) => v === 'ok').length, 7)
    // a refused large frame cost no frame token: small frames still pass
    assert.equal(limiter.check('p', 0, 100), 'ok')
  })
})
