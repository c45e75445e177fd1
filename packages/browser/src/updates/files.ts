/**
 * `sendToChat` and `importFiles` for a page that has no messenger around it:
 * the local equivalents of "send this to a chat" and "let me pick files".
 *
 * - `sendToChat({ file, text })`: a file is downloaded under its name (the
 *   user keeps it, and can send it anywhere); text is written to the console
 *   (`console.info`), as there is no chat to put it in. Resolves once the
 *   download was started; rejects with a `TypeError` for a malformed message.
 * - `importFiles({ extensions, mimeTypes, multiple })`: opens the browser's
 *   file picker (`<input type=file>` with `accept` built from the extensions
 *   and MIME types, `multiple` as asked) and resolves with the chosen files,
 *   or with none when the picker is cancelled. Browsers open a picker only
 *   during a user gesture (a click), as for any file input.
 */
import type { Webxdc } from '@webxdc/types'

type SendOptions = Parameters<Webxdc<unknown>['sendToChat']>[0]
type ImportFilter = Parameters<Webxdc<unknown>['importFiles']>[0]

/** How long a download's object URL lives (the browser reads it when the download starts). */
const OBJECT_URL_TTL_MS = 60_000

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** The file of a `sendToChat` message as a Blob; throws `TypeError` for a malformed one. */
export function fileBlob (file: unknown): { name: string, blob: Blob } {
  if (!isObject(file) || typeof file.name !== 'string' || file.name.length === 0) {
    throw new TypeError('sendToChat: file needs a name')
  }
  const sources = (['blob', 'base64', 'plainText'] as const).filter((key) => file[key] !== undefined)
  if (sources.length !== 1) throw new TypeError('sendToChat: file needs exactly one of blob, base64 and plainText')
  const { blob, base64, plainText } = file as Partial<Record<'blob' | 'base64' | 'plainText', unknown>>
  if (blob !== undefined) {
    if (!(blob instanceof Blob)) throw new TypeError('sendToChat: file.blob must be a Blob')
    return { name: file.name, blob }
  }
  if (plainText !== undefined) {
    if (typeof plainText !== 'string') throw new TypeError('sendToChat: file.plainText must be a string')
    return { name: file.name, blob: new Blob([plainText], { type: 'text/plain;charset=utf-8' }) }
  }
  if (typeof base64 !== 'string') throw new TypeError('sendToChat: file.base64 must be a string')
  let binary: string
  try {
    binary = atob(base64)
  } catch {
    throw new TypeError('sendToChat: file.base64 is not base64')
  }
  return { name: file.name, blob: new Blob([Uint8Array.from(binary, (c) => c.charCodeAt(0))]) }
}

/** Starts the download of a `sendToChat` message's file and logs its text; throws `TypeError` for a malformed message. */
function deliver (message: unknown, doc: Document, log: (text: string) => void): void {
  if (!isObject(message) || (message.file === undefined && message.text === undefined)) {
    throw new TypeError('sendToChat expects { file } or { text } or both')
  }
  const { file, text } = message
  if (text !== undefined && typeof text !== 'string') throw new TypeError('sendToChat: text must be a string')
  const download = file === undefined ? undefined : fileBlob(file)
  if (text !== undefined) log(`webxdc.sendToChat: ${text}`)
  if (download === undefined) return
  const url = URL.createObjectURL(download.blob)
  const link = doc.createElement('a')
  link.href = url
  link.download = download.name
  link.style.display = 'none'
  doc.body.append(link)
  link.click()
  link.remove()
  const timer = setTimeout(() => { URL.revokeObjectURL(url) }, OBJECT_URL_TTL_MS) as unknown as { unref?: () => void }
  // outside browsers (tests under Node) the timer must not keep the process alive
  if (typeof timer === 'object') timer.unref?.()
}

/** `webxdc.sendToChat` for a page without a messenger: downloads the file, logs the text. */
export function sendToChat (message: SendOptions, doc: Document = document, log: (text: string) => void = console.info): Promise<void> {
  return new Promise((resolve) => {
    deliver(message, doc, log)
    resolve()
  })
}

function stringList (name: string, value: unknown, check: (item: string) => boolean): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && check(item))) {
    throw new TypeError(`importFiles: ${name} must be an array of strings${name === 'extensions' ? ' starting with a dot' : ''}`)
  }
  return value as string[]
}

/** The `accept` attribute and `multiple` flag for a filter; throws `TypeError` for a malformed one. */
export function pickerOptions (filter: unknown): { accept: string, multiple: boolean } {
  if (filter === undefined) return { accept: '', multiple: false }
  if (!isObject(filter)) throw new TypeError('importFiles expects { extensions, mimeTypes, multiple }')
  const extensions = stringList('extensions', filter.extensions, (e) => e.startsWith('.') && e.length > 1)
  const mimeTypes = stringList('mimeTypes', filter.mimeTypes, (m) => m.includes('/'))
  if (filter.multiple !== undefined && typeof filter.multiple !== 'boolean') throw new TypeError('importFiles: multiple must be a boolean')
  return { accept: [...extensions, ...mimeTypes].join(','), multiple: filter.multiple === true }
}

/** `webxdc.importFiles` for a page without a messenger: the browser's file picker. */
export async function importFiles (filter: ImportFilter, doc: Document = document): Promise<File[]> {
  const { accept, multiple } = pickerOptions(filter)
  const input = doc.createElement('input')
  input.type = 'file'
  if (accept !== '') input.accept = accept
  input.multiple = multiple
  input.style.display = 'none'
  doc.body.append(input)
  return await new Promise<File[]>((resolve) => {
    const done = (files: File[]): void => {
      input.remove()
      resolve(files)
    }
    input.addEventListener('change', () => { done(Array.from(input.files ?? [])) }, { once: true })
    input.addEventListener('cancel', () => { done([]) }, { once: true })
    input.click()
  })
}
