/**
 * The relay's persistent identity: a libp2p Ed25519 private key in a file
 * (protobuf bytes), created with mode 0600 on first start, so the relay's
 * multiaddr survives restarts.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { KeyFileError } from './errors.ts'

function reason (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Loads the key at `path`, or creates it there (mode 0600) if the file does not exist. */
export async function loadOrCreateKey (path: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new KeyFileError(path, `cannot read: ${reason(err)}`)
    return await createKey(path)
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new KeyFileError(path, `not a libp2p private key: ${reason(err)}`)
  }
}

async function createKey (path: string): Promise<PrivateKey> {
  const key = await generateKeyPair('Ed25519')
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    // 'wx' refuses to overwrite a key another process created meanwhile
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    await chmod(path, 0o600)
  } catch (err) {
    throw new KeyFileError(path, `cannot create: ${reason(err)}`)
  }
  return key
}
