/**
 * Reading a relay's Prometheus metrics.
 */

/** One sample of a Prometheus metric in `text`: the sum over the label sets that contain `labels` (e.g. `reason="rate"`). */
export function metricValue (text: string, name: string, labels = ''): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line)
    if (match?.[1] === name && (match[2] ?? '').includes(labels)) sum += Number(match[3])
  }
  return sum
}

/** The text of a relay's `/metrics`; `admin` is its admin port on 127.0.0.1 or its admin URL (`relay.adminUrl`). */
export async function scrapeMetrics (admin: number | string): Promise<string> {
  const base = typeof admin === 'number' ? `http://127.0.0.1:${admin}` : admin
  return await (await fetch(`${base}/metrics`)).text()
}

/** {@link metricValue} of a fresh {@link scrapeMetrics}. */
export async function readMetric (admin: number | string, name: string, labels = ''): Promise<number> {
  return metricValue(await scrapeMetrics(admin), name, labels)
}
