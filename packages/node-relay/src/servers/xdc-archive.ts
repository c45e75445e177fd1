/**
 * Reads a `.xdc` file: a zip holding a webxdc app (`index.html` at its root,
 * optional `manifest.toml` and `icon.png`/`icon.jpg`). Pure: bytes in, files
 * out, with bounds on entries and unpacked size.
 */
import { createHash } from 'node:crypto'
import { unzipSync } from 'fflate'
import { XdcFileError } from '../errors.ts'

/** Largest `.xdc` file read (webxdc apps are meant to be small; Delta Chat warns above 640 KiB). */
export const MAX_XDC_BYTES = 64 * 1024 * 1024
/** Most files in one app. */
export const MAX_XDC_ENTRIES = 10_000
/** Most bytes the app's files may unpack to. */
export const MAX_XDC_UNPACKED_BYTES = 256 * 1024 * 1024

export interface XdcApp {
  /** The app's files by path (no leading slash, `/` separators). */
  files: Map<string, Uint8Array>
  /** `name` from manifest.toml, else the file's name. */
  name: string
  /**
   * The app id of its realtime channels: derived from the archive's bytes,
   * so every instance opened from the same file shares its channels and
   * another app (or version) never does.
   */
  appId: string
}

/** A path inside the archive that is safe to serve, or undefined. */
function safePath (name: string): string | undefined {
  if (name.endsWith('/')) return undefined // a directory entry
  const parts = name.replaceAll('\\', '/').split('/')
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return undefined
  return parts.join('/')
}

/** The `name = "…"` line of a manifest.toml (the one key the host shows). */
function manifestName (manifest: Uint8Array | undefined): string | undefined {
  if (manifest === undefined) return undefined
  const match = /^\s*name\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/m.exec(new TextDecoder().decode(manifest))
  return match?.[1]?.slice(0, 200)
}

/** Unpacks `archive`; throws `XdcFileError` naming what is wrong. */
export function readXdc (archive: Uint8Array, fileName: string): XdcApp {
  if (archive.byteLength > MAX_XDC_BYTES) throw new XdcFileError(`${fileName} is larger than ${MAX_XDC_BYTES} bytes`)
  let entries = 0
  let unpacked = 0
  let raw: Record<string, Uint8Array>
  try {
    raw = unzipSync(archive, {
      filter: (file) => {
        entries++
        unpacked += file.originalSize
        if (entries > MAX_XDC_ENTRIES) throw new XdcFileError(`${fileName} holds more than ${MAX_XDC_ENTRIES} files`)
        if (unpacked > MAX_XDC_UNPACKED_BYTES) throw new XdcFileError(`${fileName} unpacks to more than ${MAX_XDC_UNPACKED_BYTES} bytes`)
        return safePath(file.name) !== undefined
      }
    })
  } catch (err) {
    if (err instanceof XdcFileError) throw err
    throw new XdcFileError(`${fileName} is not a zip archive (${(err as Error).message})`)
  }
  const files = new Map<string, Uint8Array>()
  for (const [name, data] of Object.entries(raw)) {
    const path = safePath(name)
    if (path !== undefined) files.set(path, data)
  }
  if (!files.has('index.html')) throw new XdcFileError(`${fileName} has no index.html at its root: not a webxdc app`)
  const appId = `xdc-${createHash('sha256').update(archive).digest('hex').slice(0, 32)}`
  return { files, name: manifestName(files.get('manifest.toml')) ?? fileName.replace(/\.xdc$/i, ''), appId }
}
