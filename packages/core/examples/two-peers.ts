/**
 * Two local peers and no relay: one listens, the other bootstraps from it;
 * they join one channel, exchange messages, then stop by themselves. Peers
 * that cannot reach each other meet through a relay (`@rtmesh/node-relay`,
 * which `npm start` runs on 127.0.0.1:4001) and bootstrap from its address
 * instead.
 *
 *   npx pnpm@10 run example
 */
import { randomBytes } from 'node:crypto'
import { createRealtimeNode } from '@rtmesh/core'

const secret = randomBytes(32)
const identity = { secret, chatId: 'demo-chat', appId: 'demo-app' }
const rounds = 5

const alice = await createRealtimeNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
const bob = await createRealtimeNode({ bootstrap: alice.multiaddrs })
console.log(`alice ${alice.peerId} listening on ${alice.multiaddrs.join(', ')}`)
console.log(`bob   ${bob.peerId} bootstrapped from alice`)

const aliceChannel = alice.webxdc(identity).joinRealtimeChannel()
const bobChannel = bob.webxdc(identity).joinRealtimeChannel()
const decoder = new TextDecoder()
const encoder = new TextEncoder()

const done = new Promise<void>((resolve) => {
  let received = 0
  aliceChannel.setListener((data) => {
    console.log(`alice received: ${decoder.decode(data)}`)
    if (++received === rounds) resolve()
  })
})
bobChannel.setListener((data) => {
  const text = decoder.decode(data)
  console.log(`bob   received: ${text}`)
  bobChannel.send(encoder.encode(`pong for "${text}"`))
})

// Wait until the two see each other in the channel's mesh, then talk.
const pubsub = alice.libp2p.services.pubsub
const topicPeers = (): number => pubsub.getTopics().reduce((n, t) => n + pubsub.getSubscribers(t).length, 0)
for (let i = 0; i < 100 && topicPeers() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
for (let i = 1; i <= rounds; i++) {
  aliceChannel.send(encoder.encode(`ping ${i} at ${new Date().toISOString()}`))
  await new Promise((resolve) => setTimeout(resolve, 200))
}
let timer: NodeJS.Timeout | undefined
const ok = await Promise.race([
  done.then(() => true),
  new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(false) }, 10_000) })
])
clearTimeout(timer)
aliceChannel.leave()
bobChannel.leave()
await Promise.all([alice.stop(), bob.stop()])
if (ok) {
  console.log('done: both peers exchanged every message')
} else {
  console.error('failed: not every reply arrived within 10 s')
  process.exitCode = 1
}
