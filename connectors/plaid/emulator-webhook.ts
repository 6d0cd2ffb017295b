/**
 * The emulator's webhook signing key: a real ES256 (P-256) key pair, so the code that verifies
 * `Plaid-Verification` headers is tested against genuine signatures, not a stub.
 */
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { JWKPublicKey } from 'plaid';

export interface WebhookSigner {
  readonly kid: string;
  readonly jwk: JWKPublicKey;
  /** A `Plaid-Verification` JWT for the exact raw body; `iat` (seconds) can be set to test staleness. */
  sign(body: string, options?: { readonly iat?: number }): string;
}

export function createWebhookSigner(): WebhookSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const exported = publicKey.export({ format: 'jwk' });
  const kid = randomUUID();
  const createdAt = Math.floor(Date.now() / 1000);
  const jwk: JWKPublicKey = {
    alg: 'ES256',
    crv: exported.crv ?? 'P-256',
    kid,
    kty: exported.kty ?? 'EC',
    use: 'sig',
    x: exported.x ?? '',
    y: exported.y ?? '',
    created_at: createdAt,
    expired_at: null,
  };
  return {
    kid,
    jwk,
    sign(body, options) {
      const header = { alg: 'ES256', kid, typ: 'JWT' };
      const claims = {
        iat: options?.iat ?? Math.floor(Date.now() / 1000),
        request_body_sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
      };
      const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
      // JWS wants the raw 64-byte r||s form, not DER.
      const signature = sign('sha256', Buffer.from(signingInput), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      return `${signingInput}.${signature.toString('base64url')}`;
    },
  };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
