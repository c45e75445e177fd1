/**
 * The centralized baseline a user would otherwise write: a WebSocket hub
 * (`ws`) that broadcasts each message to every other client. Run as a
 * process: prints its port on stdout.
 */
import { WebSocketServer } from 'ws'

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 200_000 })
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of server.clients) {
      if (client !== socket && client.readyState === client.OPEN) client.send(data, { binary: isBinary })
    }
  })
})
server.on('listening', () => {
  const address = server.address()
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`)
})
process.on('SIGTERM', () => { server.close(); process.exit(0) })
