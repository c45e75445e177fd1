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
 * const node = await createRealtimeNode({ bootstrap: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3Koo…'] })
 * const webxdc = node.webxdc({ secret: 'a secret shared by the chat', chatId: 'chat-1', appId: 'app-1' })
 * const channel = webxdc.joinRealtimeChannel()
 * channel.setListener((data) => { console.log('received', data) })
 * channel.send(new TextEncoder().encode('hello'))
 * channel.leave()
 * await node.stop()
 * ```
 */
export { createRealtimeNode } from './api/create-node.ts'
export * from './portable.ts'
