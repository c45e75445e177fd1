/**
 * CPU time of a process, for CPU per delivered message: another process's
 * from `/proc/<pid>/stat` (user + system), this process's from
 * `process.cpuUsage()`. Both in microseconds.
 */
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** User + system CPU time of process `pid` so far, µs (0 if it is gone). Resolution: one clock tick (10 ms). */
export async function processCpuMicros (pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid ?? 0}/stat`, 'utf8').catch(() => '')
  // fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0) // utime, stime (fields 14 and 15 of stat)
  return Math.round(ticks * 1e6 / TICKS_PER_SECOND)
}

/** Resident memory of process `pid`, KiB (0 if it is gone). */
export async function processRssKiB (pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid ?? 0}/status`, 'utf8').catch(() => '')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
}

/** This process's user + system CPU time so far, µs. */
export function ownCpuMicros (): number {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}
