/**
 * The run report, computed from the events of a run: pure functions, no I/O.
 */
import type { PeerEvent } from './protocol.ts'

export interface FaultMark { at: number, label: string }

export interface RelaySample { at: number, relay: number, cpuSeconds: number, rssBytes: number }

export interface RunReport {
  scenario: string
  startedAt: number
  durationMs: number
  messages: { sent: number, flood: number }
  /**
   * Deliveries expected: (honest message, peer that was a connected member of
   * its channel when it was sent), for messages whose sender was connected
   * then too. Connected: joined, heard a first message, and had one gossipsub
   * heartbeat (1 s) to be grafted into the mesh; and, for the receiver, still
   * a member `settleMs` (2 s) later, the time a message has to arrive.
   */
  expected: number
  delivered: number
  deliveryRatio: number
  duplicates: number
  /** Deliveries of a message to a member of another channel. */
  crossChannel: number
  /**
   * Deliveries that break the ephemeral rule (tests/README.md, "The
   * report"): to a peer whose membership, the one it received the message
   * in, began after the message's flight had ended: after both its last
   * delivery to a peer that was a member when it was sent and `settleMs`
   * (2 s) after its sending. Also deliveries outside any membership.
   */
  sentWhileAway: number
  /**
   * Deliveries the ephemeral rule allows to a member whose membership began
   * after the message was sent: it joined while the message was in flight.
   */
  joinedInFlight: number
  latencyMs: { p50: number, p90: number, p99: number, max: number, count: number }
  /** Joins made while traffic flowed (churn, late joiners): join call to first message from an existing member. */
  joinTimeMs: { p50: number, p99: number, max: number, count: number }
  /** Per peer, its direct (not relay) connections over time: [ms since start, count], one sample a second. */
  directLinks: Record<string, Array<[number, number]>>
  relays: Array<{ relay: number, cpuPercent: number, maxRssMb: number }>
  faults: FaultMark[]
  /** Joins made while traffic was flowing: join call to first message from an existing member. */
  /** Per second: p50 and p99 latency of deliveries of messages sent in that second. */
  series: Array<{ second: number, p50: number, p99: number, deliveries: number }>
  /** Per message: who received it and when (ms after send). */
  perMessage?: Record<string, { from: string, channel: string, sentAt: number, expected: string[], received: Record<string, number> }>
}

export function percentile (sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] ?? 0
}

interface Interval { channel: string, from: number, connected: number | undefined, to: number }

type Recv = Extract<PeerEvent, { k: 'recv' }>

/** The membership of `peer` in `channel` that holds time `at`. */
function membershipAt (members: Map<string, Interval[]>, peer: string, channel: string, at: number): Interval | undefined {
  return members.get(peer)?.find((i) => i.channel === channel && i.from <= at && at <= i.to)
}

/**
 * When each message's flight ended: the later of its last delivery to a
 * peer that was a member of its channel when it was sent (membership began
 * at or before the send and had not ended), and `boundMs` after the send.
 */
function flightEnds (sent: Array<Extract<PeerEvent, { k: 'sent' }>>, byMessage: Map<string, Recv[]>, members: Map<string, Interval[]>, boundMs: number): Map<string, number> {
  const ends = new Map<string, number>()
  for (const m of sent) {
    let end = m.at + boundMs
    for (const r of byMessage.get(m.id) ?? []) {
      const membership = membershipAt(members, r.name, r.channel, r.at)
      if (membership !== undefined && membership.channel === m.channel && membership.from <= m.at) end = Math.max(end, r.at)
    }
    ends.set(m.id, end)
  }
  return ends
}

/** Membership intervals per peer: joined (and first heard from a member) until left or killed. */
function memberships (events: PeerEvent[], end: number): Map<string, Interval[]> {
  const byPeer = new Map<string, Interval[]>()
  const open = new Map<string, Interval>()
  for (const e of events) {
    if (e.k === 'joined') {
      const interval: Interval = { channel: e.channel, from: e.at, connected: undefined, to: end }
      open.set(`${e.name}/${e.channel}`, interval)
      byPeer.set(e.name, [...(byPeer.get(e.name) ?? []), interval])
    } else if (e.k === 'recv') {
      const interval = open.get(`${e.name}/${e.channel}`)
      if (interval !== undefined && interval.connected === undefined && e.at >= interval.from) interval.connected = e.at
    } else if (e.k === 'left') {
      const interval = open.get(`${e.name}/${e.channel}`)
      if (interval !== undefined) interval.to = e.at
      open.delete(`${e.name}/${e.channel}`)
    } else if (e.k === 'killed') {
      for (const [key, interval] of open) {
        if (key.startsWith(`${e.name}/`)) {
          interval.to = e.at
          open.delete(key)
        }
      }
    }
  }
  return byPeer
}

export function buildReport (
  scenario: string, startedAt: number, endedAt: number, rawEvents: PeerEvent[], faults: FaultMark[], samples: RelaySample[],
  options: { perMessage: boolean, settleMs: number, trafficStart: number, connectGraceMs?: number }
): RunReport {
  const events = [...rawEvents].sort((a, b) => ('at' in a ? a.at : 0) - ('at' in b ? b.at : 0))
  const members = memberships(events, endedAt)
  // a member is expected to receive from one gossipsub heartbeat after it first heard the channel
  const grace = options.connectGraceMs ?? 1_000
  const sent = events.filter((e): e is Extract<PeerEvent, { k: 'sent' }> => e.k === 'sent')
  const honest = sent.filter((e) => e.kind === 'honest' && e.at <= endedAt - options.settleMs)
  const recvs = events.filter((e): e is Recv => e.k === 'recv')
  const byMessage = new Map<string, Recv[]>()
  for (const r of recvs) byMessage.set(r.id, [...(byMessage.get(r.id) ?? []), r])

  let expected = 0
  let delivered = 0
  let duplicates = 0
  const latencies: number[] = []
  const bySecond = new Map<number, number[]>()
  const perMessage: NonNullable<RunReport['perMessage']> = {}
  for (const m of honest) {
    const got = byMessage.get(m.id) ?? []
    const counts = new Map<string, number>()
    for (const r of got) counts.set(r.name, (counts.get(r.name) ?? 0) + 1)
    for (const n of counts.values()) duplicates += n - 1
    const expectedPeers: string[] = []
    const connectedAtSend = (i: Interval): boolean => i.channel === m.channel && i.connected !== undefined && i.connected + grace <= m.at
    // a sender that has not yet heard its channel has no path to anyone: its message is expected nowhere
    const senderConnected = members.get(m.name)?.some(connectedAtSend) === true
    for (const [peer, intervals] of members) {
      if (peer === m.name || !senderConnected) continue
      if (intervals.some((i) => connectedAtSend(i) && m.at + options.settleMs <= i.to)) expectedPeers.push(peer)
    }
    expected += expectedPeers.length
    delivered += expectedPeers.filter((p) => counts.has(p)).length
    const received: Record<string, number> = {}
    for (const r of got) {
      if (received[r.name] !== undefined) continue
      received[r.name] = r.at - m.at
      latencies.push(r.at - m.at)
      const second = Math.floor((m.at - startedAt) / 1_000)
      bySecond.set(second, [...(bySecond.get(second) ?? []), r.at - m.at])
    }
    if (options.perMessage) perMessage[m.id] = { from: m.name, channel: m.channel, sentAt: m.at - startedAt, expected: expectedPeers, received }
  }

  const flightEnd = flightEnds(sent, byMessage, members, options.settleMs)
  const sentById = new Map(sent.map((m) => [m.id, m]))
  let crossChannel = 0
  let sentWhileAway = 0
  let joinedInFlight = 0
  for (const r of recvs) {
    if (r.from !== r.channel) crossChannel++
    const end = flightEnd.get(r.id)
    const sentAt = sentById.get(r.id)?.at
    if (end === undefined || sentAt === undefined) continue
    const membership = membershipAt(members, r.name, r.channel, r.at)
    if (membership === undefined || membership.from >= end) sentWhileAway++
    else if (membership.from > sentAt) joinedInFlight++
  }

  const directLinks: Record<string, Array<[number, number]>> = {}
  for (const e of events) if (e.k === 'links') (directLinks[e.name] ??= []).push([e.at - startedAt, e.direct])

  const joins: number[] = []
  for (const intervals of members.values()) {
    for (const i of intervals) if (i.connected !== undefined && i.from >= options.trafficStart) joins.push(i.connected - i.from)
  }
  latencies.sort((a, b) => a - b)
  joins.sort((a, b) => a - b)

  const relays = [...new Set(samples.map((s) => s.relay))].map((relay) => {
    const mine = samples.filter((s) => s.relay === relay)
    const first = mine[0]
    const last = mine[mine.length - 1]
    const cpuPercent = first !== undefined && last !== undefined && last.at > first.at
      ? (100 * (last.cpuSeconds - first.cpuSeconds) * 1_000) / (last.at - first.at)
      : 0
    return { relay, cpuPercent: round(cpuPercent), maxRssMb: round(Math.max(0, ...mine.map((s) => s.rssBytes)) / 2 ** 20) }
  })

  return {
    scenario,
    startedAt,
    durationMs: endedAt - startedAt,
    messages: { sent: honest.length, flood: sent.length - sent.filter((e) => e.kind === 'honest').length },
    expected,
    delivered,
    deliveryRatio: expected === 0 ? 1 : delivered / expected,
    duplicates,
    crossChannel,
    sentWhileAway,
    joinedInFlight,
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? 0, count: latencies.length },
    joinTimeMs: { p50: percentile(joins, 0.5), p99: percentile(joins, 0.99), max: joins[joins.length - 1] ?? 0, count: joins.length },
    directLinks,
    relays,
    faults: faults.map((f) => ({ at: f.at - startedAt, label: f.label })),
    series: [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([second, values]) => {
      values.sort((a, b) => a - b)
      return { second, p50: percentile(values, 0.5), p99: percentile(values, 0.99), deliveries: values.length }
    }),
    ...(options.perMessage ? { perMessage } : {})
  }
}

function round (x: number): number {
  return Math.round(x * 10) / 10
}

/** Latency over time (p50 and p99 per second of sending), fault events marked. */
export function latencySvg (report: RunReport): string {
  const width = 900
  const height = 360
  const pad = { left: 60, right: 20, top: 30, bottom: 40 }
  const seconds = Math.max(1, Math.ceil(report.durationMs / 1_000))
  const yMax = Math.max(10, ...report.series.map((s) => s.p99)) * 1.1
  const x = (second: number): number => pad.left + (second / seconds) * (width - pad.left - pad.right)
  const y = (ms: number): number => height - pad.bottom - (ms / yMax) * (height - pad.top - pad.bottom)
  const line = (key: 'p50' | 'p99'): string => report.series.map((s) => `${x(s.second + 0.5).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ')
  const ticks = Array.from({ length: 5 }, (_, i) => (yMax / 4) * i)
  const esc = (text: string): string => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.left}" y="18" font-size="14">${esc(report.scenario)}: delivery latency by second of sending (p50 blue, p99 orange); faults in red</text>
${ticks.map((t) => `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end">${Math.round(t)} ms</text>`).join('\n')}
<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>
<text x="${width / 2}" y="${height - 8}" text-anchor="middle">seconds since start</text>
${Array.from({ length: Math.floor(seconds / 5) + 1 }, (_, i) => i * 5).map((s) => `<text x="${x(s)}" y="${height - pad.bottom + 16}" text-anchor="middle">${s}</text>`).join('\n')}
${report.faults.map((f) => `<line x1="${x(f.at / 1_000)}" x2="${x(f.at / 1_000)}" y1="${pad.top}" y2="${y(0)}" stroke="red" stroke-dasharray="4 3"/><text x="${x(f.at / 1_000) + 3}" y="${pad.top + 12}" fill="red">${esc(f.label)}</text>`).join('\n')}
<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line('p50')}"/>
<polyline fill="none" stroke="#ff7f0e" stroke-width="2" points="${line('p99')}"/>
</svg>
`
}
