/**
 * The documented example of a package's entry point, run as written: the
 * first fenced `ts` block of the `@example` in its `src/index.ts` doc comment.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The example's code, without the comment's leading ` * `. */
export async function docExample (packageDir: string): Promise<string> {
  const source = await readFile(join(packageDir, 'src', 'index.ts'), 'utf8')
  const match = /@example\s*\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/.exec(source)
  if (match?.[1] === undefined) throw new Error(`no @example ts block in ${packageDir}/src/index.ts`)
  return match[1].split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n')
}

export interface ExampleRun {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the example of `packageDir` as an ES module with the workspace's
 * Node, from the package's folder (so it imports the package by its own
 * name), and resolves when it exits; killed after `timeoutMs`.
 */
export async function runDocExample (packageDir: string, timeoutMs = 60_000): Promise<ExampleRun> {
  const code = await docExample(packageDir)
  const child = spawn(process.execPath, ['--conditions=development', '--input-type=module-typescript', '-e', code], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
  const exit = await new Promise<number | null>((resolve) => { child.on('close', resolve) })
  clearTimeout(timer)
  return { code: exit, stdout, stderr }
}
