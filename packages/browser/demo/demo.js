// The rtmesh demo: makes (or joins) a channel whose secret travels in the URL
// fragment, loads webxdc.js, and runs a small chat with presence on
// window.webxdc.joinRealtimeChannel().
'use strict'
;(async () => {
  const $ = (id) => document.getElementById(id)
  const random = (n) => {
    const bytes = crypto.getRandomValues(new Uint8Array(n))
    return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')
  }
  const names = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Margaret', 'Linus']

  const params = new URLSearchParams(location.hash.slice(1))
  if (!params.get('secret')) {
    // a fresh channel: relays from the serving relay, a new secret and chat id
    const relay = await (await fetch('relay.json')).json()
    const local = relay.ws.filter((ma) => ma.includes(`/${location.hostname}/`))
    for (const ma of (local.length > 0 ? local : relay.ws)) params.append('relay', ma)
    params.set('secret', random(24))
    params.set('chat', random(9))
    params.set('app', 'rtmesh-demo-chat')
  }
  const share = new URLSearchParams(params)
  share.delete('name')
  $('share-link').value = `${location.origin}${location.pathname}#${share}`
  $('copy').onclick = () => navigator.clipboard?.writeText($('share-link').value)
  if (!params.get('name')) params.set('name', `${names[Math.floor(Math.random() * names.length)]}-${random(2)}`)
  history.replaceState(null, '', `#${params}`)

  await new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = 'webxdc.js'
    script.onload = resolve
    script.onerror = reject
    document.head.append(script)
  })

  const me = window.webxdc.selfName
  const channel = window.webxdc.joinRealtimeChannel()
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const people = new Map()
  const send = (message) => channel.send(encoder.encode(JSON.stringify(message)))
  const show = (who, text) => {
    const li = document.createElement('li')
    const b = document.createElement('b')
    b.textContent = who
    li.append(b, text)
    $('log').append(li)
  }

  channel.setListener((data) => {
    let message
    try { message = JSON.parse(decoder.decode(data)) } catch { return }
    if (typeof message?.name !== 'string') return
    const known = people.has(message.name)
    people.set(message.name, Date.now())
    if (!known) send({ type: 'hello', name: me })
    if (message.type === 'chat' && typeof message.text === 'string') show(message.name, message.text)
  })
  $('send').onsubmit = (event) => {
    event.preventDefault()
    const text = $('text').value.trim()
    if (!text) return
    send({ type: 'chat', name: me, text })
    show(`${me} (you)`, text)
    $('text').value = ''
  }
  window.addEventListener('pagehide', () => channel.leave())

  const render = () => {
    const now = Date.now()
    for (const [name, seen] of people) if (now - seen > 6000) people.delete(name)
    const chips = [me + ' (you)', ...people.keys()].map((name) => {
      const span = document.createElement('span')
      span.textContent = name
      return span
    })
    $('people').replaceChildren(...chips)
    const s = window.rtmesh?.status() ?? { state: 'starting', relays: 0, peers: 0, direct: 0 }
    $('status').dataset.state = s.state
    $('status').textContent = `${s.state}: ${s.relays} relay${s.relays === 1 ? '' : 's'}, ` +
      `${s.peers} peer${s.peers === 1 ? '' : 's'} in the channel, ${s.direct} direct (WebRTC)`
  }
  send({ type: 'hello', name: me })
  setInterval(() => { send({ type: 'hello', name: me }); render() }, 2000)
  setInterval(render, 500)
  render()
})().catch((err) => {
  document.getElementById('status').textContent = `error: ${err}`
  console.error(err)
})
