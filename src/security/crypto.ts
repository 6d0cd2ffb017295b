/**
 * Envelope encryption for credentials at rest: each secret is sealed with AES-256-GCM under a fresh
 * data key, and the data key is wrapped (AES-256-GCM too) by the master key. The sealed form names the
 * master key id, so key rotation can re-wrap data keys without touching the ciphertexts.
 * The associated data binds a ciphertext to its connection: a sealed blob copied to another connection
 * fails to open instead of sending one account's credentials to another.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { FinsyncError } from '../errors.ts';

export interface SealedSecret {
  readonly v: 1;
  /** Id of the master key that wrapped the data key. */
  readonly keyId: string;
  /** iv + tag + encrypted data key, base64. */
  readonly wrappedKey: string;
  /** iv + tag + ciphertext, base64. */
  readonly data: string;
}

export class DecryptionError extends FinsyncError {
  readonly errorClass = 'config';
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A short public fingerprint of a master key (not reversible; safe to store and log). */
export function keyId(masterKey: Buffer): string {
  return createHash('sha256').update('finsync-key-id').update(masterKey).digest('hex').slice(0, 12);
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function decrypt(key: Buffer, sealed: string, aad: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** Holds the master keys in force: the current one seals; any known one opens. */
export class Keyring {
  private readonly keys = new Map<string, Buffer>();
  readonly currentId: string;

  constructor(
    private readonly current: Buffer,
    others: readonly (Buffer | undefined)[] = [],
  ) {
    this.currentId = keyId(current);
    this.keys.set(this.currentId, current);
    for (const key of others) if (key) this.keys.set(keyId(key), key);
  }

  seal(plaintext: string, context: string): SealedSecret {
    const dataKey = randomBytes(32);
    try {
      return {
        v: 1,
        keyId: this.currentId,
        wrappedKey: encrypt(this.current, dataKey, `finsync-data-key:${context}`),
        data: encrypt(dataKey, Buffer.from(plaintext, 'utf8'), `finsync:${context}`),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  open(sealed: SealedSecret, context: string): string {
    const master = this.keys.get(sealed.keyId);
    if (!master) {
      throw new DecryptionError(
        `credentials of ${context} are sealed with key ${sealed.keyId}, which is not configured (FINSYNC_ENCRYPTION_KEY, FINSYNC_ENCRYPTION_KEY_PREVIOUS)`,
      );
    }
    let dataKey: Buffer | undefined;
    try {
      dataKey = decrypt(master, sealed.wrappedKey, `finsync-data-key:${context}`);
      return decrypt(dataKey, sealed.data, `finsync:${context}`).toString('utf8');
    } catch {
      throw new DecryptionError(
        `credentials of ${context} could not be decrypted: the data was altered or the key is wrong`,
      );
    } finally {
      dataKey?.fill(0);
    }
  }

  /** Re-wraps the data key under the current master key; the ciphertext itself is unchanged. */
  rewrap(sealed: SealedSecret, context: string): SealedSecret {
    if (sealed.keyId === this.currentId) return sealed;
    const master = this.keys.get(sealed.keyId);
    if (!master)
      throw new DecryptionError(`credentials of ${context} are sealed with unknown key ${sealed.keyId}`);
    let dataKey: Buffer | undefined;
    try {
      dataKey = decrypt(master, sealed.wrappedKey, `finsync-data-key:${context}`);
      return {
        ...sealed,
        keyId: this.currentId,
        wrappedKey: encrypt(this.current, dataKey, `finsync-data-key:${context}`),
      };
    } catch {
      throw new DecryptionError(
        `credentials of ${context} could not be re-wrapped: the data was altered or the key is wrong`,
      );
    } finally {
      dataKey?.fill(0);
    }
  }
}
