/**
 * Key rotation without downtime: every connection's data key is re-wrapped under the new master key, one
 * connection per atomic write; the ciphertexts themselves do not change. Running it again skips what is
 * done, so an interrupted rotation is finished by running it again. The running app can open credentials
 * sealed under either key meanwhile (core.ts gives its keyring FINSYNC_ENCRYPTION_KEY_NEW and _PREVIOUS).
 */

import type { Store } from '../store/types.ts';
import { Keyring, keyId } from './crypto.ts';

export interface RotationResult {
  readonly rewrapped: readonly string[];
  readonly alreadyDone: readonly string[];
  readonly newKeyId: string;
}

export interface RotationKeys {
  readonly current: Buffer;
  readonly next: Buffer;
  readonly previous?: Buffer | undefined;
}

export async function rotateKeys(
  store: Store,
  keys: RotationKeys,
  hooks: { readonly afterEach?: (connection: string) => void } = {},
): Promise<RotationResult> {
  const keyring = new Keyring(keys.next, [keys.current, keys.previous]);
  const rewrapped: string[] = [];
  const alreadyDone: string[] = [];
  for (const { name } of await store.listConnections()) {
    let done = false;
    // Re-wraps the credentials as they are now, in one atomic read-modify-write: a refresh token the running
    // app rotated meanwhile is re-wrapped, never replaced by the copy this process listed.
    await store.modifyConnection(name, (current) => {
      done = current.credentials.keyId === keyring.currentId;
      if (done) return null;
      // Throws DecryptionError naming the connection when its blob was altered or its key is unknown.
      return { credentials: keyring.rewrap(current.credentials, `connection:${name}`) };
    });
    if (done) {
      alreadyDone.push(name);
      continue;
    }
    rewrapped.push(name);
    hooks.afterEach?.(name);
  }
  return { rewrapped, alreadyDone, newKeyId: keyId(keys.next) };
}
