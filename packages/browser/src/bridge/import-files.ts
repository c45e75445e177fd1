/**
 * `webxdc.importFiles` in the frame itself: a hidden `<input type=file>`.
 * The frame needs no host for it (the runtime's sandbox must allow the
 * picker).
 */
import type { ImportFilter } from './frame.ts'

function isStrings (value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/** The `accept` list of a filter an app gave (checked: apps are untrusted JavaScript). */
function checkFilter (given: unknown): string[] {
  if (typeof given !== 'object' || given === null) throw new TypeError('importFiles expects a filter object')
  const { extensions = [], mimeTypes = [], multiple } = given as Record<string, unknown>
  if (!isStrings(extensions) || !extensions.every((e) => e.startsWith('.'))) throw new TypeError('importFiles: extensions must be strings that start with a dot')
  if (!isStrings(mimeTypes)) throw new TypeError('importFiles: mimeTypes must be strings')
  if (multiple !== undefined && typeof multiple !== 'boolean') throw new TypeError('importFiles: multiple must be a boolean')
  return [...extensions, ...mimeTypes]
}

/** `importFiles` through a file input of `doc`; resolves with the chosen files, `[]` if the user cancels. */
export function inputImportFiles (doc: Document): (filter: ImportFilter) => Promise<File[]> {
  return async (filter) => {
    const accept = checkFilter(filter)
    const input = doc.createElement('input')
    input.type = 'file'
    input.multiple = filter.multiple === true
    if (accept.length > 0) input.accept = accept.join(',')
    input.style.display = 'none'
    return await new Promise<File[]>((resolve) => {
      const done = (files: File[]): void => {
        input.remove()
        resolve(files)
      }
      input.addEventListener('change', () => { done(Array.from(input.files ?? [])) }, { once: true })
      input.addEventListener('cancel', () => { done([]) }, { once: true })
      doc.body.append(input)
      input.click()
    })
  }
}
