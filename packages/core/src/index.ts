/**
 * @packageDocumentation
 *
 * `@rtmesh/core`: webxdc realtime channels on a libp2p gossipsub mesh.
 *
 * Each chat-and-app pair maps to a gossipsub topic derived from the chat's
 * shared secret; payloads are end-to-end encrypted with a key derived from
 * the same secret. Channels are private (only holders of the secret take
 * part), isolated (each app has its own topic and key) and ephemeral (only
 * peers connected at send time receive).
 *
 * @example
 * ```ts
 * import { createRealtimeNode } from '@rtmesh/core'
 *
 * const identity = { secret: crypto.getRandomValues(new Uint8Array(32)), chatId: 'chat-1', appId: 'app-1' }
 * const alice = await createRealtimeNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
 * const bob = await createRealtimeNode({ bootstrap: alice.multiaddrs }) // usually a relay's address
 * const toBob = alice.webxdc(identity).joinRealtimeChannel()
 * const received = new Promise<Uint8Array>((resolve) => { bob.webxdc(identity).joinRealtimeChannel().setListener(resolve) })
 * // only peers connected at send time receive: send until Bob is in the mesh
 * const timer = setInterval(() => { toBob.send(new TextEncoder().encode('hello')) }, 200)
 * console.log(new TextDecoder().decode(await received))
 * clearInterval(timer)
 * await alice.stop()
 * await bob.stop()
 * ```
 */
export { createRealtimeNode } from './api/create-node.ts'
export * from './portable.ts'
