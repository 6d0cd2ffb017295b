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
  for (const connection of await store.listConnections()) {
    if (connection.credentials.keyId === keyring.currentId) {
      alreadyDone.push(connection.name);
      continue;
    }
    // Throws DecryptionError naming the connection when its blob was altered or its key is unknown.
    const credentials = keyring.rewrap(connection.credentials, `connection:${connection.name}`);
    await store.updateConnection(connection.name, { credentials });
    rewrapped.push(connection.name);
    hooks.afterEach?.(connection.name);
  }
  return { rewrapped, alreadyDone, newKeyId: keyId(keys.next) };
}
