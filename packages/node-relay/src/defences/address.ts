/**
 * Remote addresses as the relay's limits see them: one canonical spelling per
 * IP (sockets and multiaddrs spell IPv6 and IPv4-mapped addresses
 * differently), and the "address" a limit or ban applies to: the IPv4
 * address, or the /64 an IPv6 address belongs to (one host or home network
 * usually holds a whole /64, so per-IP limits on single IPv6 addresses would
 * cost an attacker nothing). Pure functions, no sockets.
 */
import { isIP } from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'

function parseIpv4 (text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const bytes = parts.map((p) => /^\d{1,3}$/.test(p) ? Number(p) : Number.NaN)
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined
}

/** The 8 hextets of an IPv6 address (zone id dropped), or undefined. */
function parseIpv6 (text: string): number[] | undefined {
  const address = text.split('%')[0] ?? ''
  if (isIP(address) !== 6) return undefined
  const [head = '', tail] = address.split('::')
  const group = (part: string): number[] => {
    if (part === '') return []
    const out: number[] = []
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const v4 = parseIpv4(piece) ?? [0, 0, 0, 0]
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0))
      } else {
        out.push(Number.parseInt(piece, 16))
      }
    }
    return out
  }
  const left = group(head)
  const right = tail === undefined ? [] : group(tail)
  const fill = 8 - left.length - right.length
  return [...left, ...Array<number>(tail === undefined ? 0 : fill).fill(0), ...right]
}

/** One spelling per IP: dotted IPv4 (IPv4-mapped IPv6 included), or 8 full lowercase hextets. */
export function canonicalIp (text: string): string | undefined {
  if (isIP(text) === 4) return parseIpv4(text)?.join('.')
  const h = parseIpv6(text)
  if (h?.length !== 8) return undefined
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return [(h[6] ?? 0) >> 8, (h[6] ?? 0) & 255, (h[7] ?? 0) >> 8, (h[7] ?? 0) & 255].join('.')
  }
  return h.map((x) => x.toString(16)).join(':')
}

/** What per-address limits and bans apply to: the IPv4 address or the IPv6 /64 (`2001:db8:0:1::/64`). */
export function addressKey (ip: string): string | undefined {
  const canonical = canonicalIp(ip)
  if (canonical === undefined || !canonical.includes(':')) return canonical
  return `${canonical.split(':').slice(0, 4).join(':')}::/64`
}

/** The IP of a direct connection's remote address; undefined for relayed (`/p2p-circuit`) or non-IP ones. */
export function directIp (addr: Multiaddr): string | undefined {
  const components = addr.getComponents()
  if (components.some((c) => c.name === 'p2p-circuit')) return undefined
  return components.find((c) => c.name === 'ip4' || c.name === 'ip6')?.value
}

/** `ip:port` of a direct TCP-based address (TCP or WebSockets), canonical, to match a socket with its connection. */
export function socketKeyOf (addr: Multiaddr): string | undefined {
  const ip = directIp(addr)
  const port = addr.getComponents().find((c) => c.name === 'tcp')?.value
  return ip === undefined || port === undefined ? undefined : socketKey(ip, Number(port))
}

export function socketKey (ip: string, port: number): string | undefined {
  const canonical = canonicalIp(ip)
  return canonical === undefined ? undefined : `${canonical}|${port}`
}
