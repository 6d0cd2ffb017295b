import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { DecryptionError, Keyring } from '../../src/security/crypto.ts';

const secret = '{"api_key":"sk_test_51SuperSecretValue"}';

describe('credential encryption', () => {
  test('seal then open returns the credentials; the sealed form does not contain them', () => {
    const keyring = new Keyring(randomBytes(32));
    const sealed = keyring.seal(secret, 'connection:stripe');
    assert.equal(keyring.open(sealed, 'connection:stripe'), secret);
    assert.ok(!JSON.stringify(sealed).includes('SuperSecret'));
    assert.notEqual(
      keyring.seal(secret, 'connection:stripe').data,
      sealed.data,
      'fresh data key and IV each time',
    );
  });

  test('a tampered ciphertext is an error naming the connection, never garbage', () => {
    const keyring = new Keyring(randomBytes(32));
    const sealed = keyring.seal(secret, 'connection:stripe');
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    assert.throws(
      () => keyring.open({ ...sealed, data: bytes.toString('base64') }, 'connection:stripe'),
      (e: unknown) => e instanceof DecryptionError && /connection:stripe/.test(e.message),
    );
  });

  test('a wrong key fails; a sealed blob copied to another connection fails', () => {
    const sealed = new Keyring(randomBytes(32)).seal(secret, 'connection:stripe');
    assert.throws(() => new Keyring(randomBytes(32)).open(sealed, 'connection:stripe'), /not configured/);
    const keyring = new Keyring(randomBytes(32));
    const mine = keyring.seal(secret, 'connection:stripe');
    assert.throws(() => keyring.open(mine, 'connection:stripe-2'), /could not be decrypted/);
  });

  test('rewrap moves a secret to the new key; afterwards only the new key opens it', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealed = new Keyring(oldKey).seal(secret, 'connection:stripe');
    const rotated = new Keyring(newKey, [oldKey]).rewrap(sealed, 'connection:stripe');
    assert.equal(rotated.data, sealed.data, 'the ciphertext itself is unchanged');
    assert.equal(new Keyring(newKey).open(rotated, 'connection:stripe'), secret);
    assert.throws(() => new Keyring(oldKey).open(rotated, 'connection:stripe'));
  });
});
