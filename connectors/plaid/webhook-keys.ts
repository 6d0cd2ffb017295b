/**
 * Plaid's webhook verification: the `Plaid-Verification` header is an ES256 JWT whose `kid` names a public
 * key served by `/webhook_verification_key/get`, whose `iat` is the signing time and whose `request_body_sha256`
 * is the SHA-256 of the exact body. Keys are cached by kid; an unknown kid is fetched once (with the cached
 * keys not yet expired, as Plaid's guide does, to learn of their expiry), and a key with `expired_at` in the
 * past verifies nothing.
 */
import { createHash, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { JWKPublicKey } from 'plaid';
import { InvalidRequestError } from '../../src/errors.ts';
import { createPlaidClient, type PlaidClient } from './client.ts';
import type { PlaidContext, PlaidSettings } from './settings.ts';

/** Plaid: "the `iat` … must not be more than 5 minutes old". Future ones get the same allowance for skew. */
export const PLAID_MAX_AGE_SECONDS = 5 * 60;
/** A cached key is re-read after this long, so a key Plaid expires meanwhile is noticed. */
const KEY_TTL_MS = 24 * 60 * 60_000;
/** A kid Plaid does not know is not asked about again for this long (forged kids cost no API calls). */
const UNKNOWN_TTL_MS = 10 * 60_000;
const MAX_UNKNOWN = 1_000;
/** At most this many fetches of kids not in the cache per minute, whatever arrives. */
const MAX_FETCHES_PER_MINUTE = 20;

/** The JWK for a kid, or null when Plaid says there is no such key. Throws when Plaid cannot be asked. */
export type KeyFetch = (kid: string) => Promise<JWKPublicKey | null>;

/** Fetches keys with the official SDK (`webhookVerificationKeyGet`), a short timeout and one retry. */
export function sdkKeyFetch(settings: PlaidSettings, context: () => PlaidContext): KeyFetch {
  let client: PlaidClient | undefined;
  return async (kid) => {
    client ??= createPlaidClient(settings, {
      timeoutMs: 3_000,
      retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1_000 },
    });
    try {
      const answer = await client.call(
        '/webhook_verification_key/get',
        (api, options) => api.webhookVerificationKeyGet({ key_id: kid }, options),
        context(),
      );
      return answer.key;
    } catch (error) {
      // INVALID_WEBHOOK_VERIFICATION_KEY_ID (400): Plaid has no such key.
      if (error instanceof InvalidRequestError) return null;
      throw error;
    }
  };
}

interface CachedKey {
  readonly key: KeyObject;
  /** ms, or null while the key is current. */
  readonly expiredAt: number | null;
  readonly fetchedAt: number;
}

export type KeyLookup =
  | { readonly status: 'ok'; readonly key: KeyObject }
  | { readonly status: 'unknown' }
  | { readonly status: 'expired' };

export class PlaidKeyCache {
  private readonly keys = new Map<string, CachedKey>();
  private readonly unknown = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<void>>();
  private fetches: number[] = [];

  constructor(
    private readonly fetchKey: KeyFetch,
    private readonly now: () => number = Date.now,
  ) {}

  async get(kid: string): Promise<KeyLookup> {
    const now = this.now();
    let cached = this.keys.get(kid);
    if (!cached) {
      if (!this.mayFetch(kid, now)) return { status: 'unknown' };
      await this.refreshFor(kid);
      cached = this.keys.get(kid);
      if (!cached) return { status: 'unknown' };
    } else if (now - cached.fetchedAt > KEY_TTL_MS) {
      // Old entry: re-read it, but a Plaid outage must not stop verification with the key we have.
      await this.fetchOne(kid).catch(() => undefined);
      cached = this.keys.get(kid) ?? cached;
    }
    if (cached.expiredAt !== null && cached.expiredAt <= this.now()) return { status: 'expired' };
    return { status: 'ok', key: cached.key };
  }

  private mayFetch(kid: string, now: number): boolean {
    const until = this.unknown.get(kid);
    if (until !== undefined && until > now) return false;
    this.fetches = this.fetches.filter((at) => now - at < 60_000);
    if (this.fetches.length >= MAX_FETCHES_PER_MINUTE) return false;
    this.fetches.push(now);
    return true;
  }

  /** Fetches a new kid, and refreshes the cached keys that have not expired (a rotation expires the old). */
  private async refreshFor(kid: string): Promise<void> {
    const others = [...this.keys].filter(([, key]) => key.expiredAt === null).map(([id]) => id);
    const target = this.fetchOne(kid);
    // The others only add knowledge: a failure to refresh one keeps what we had.
    await Promise.all([target, ...others.map((id) => this.fetchOne(id).catch(() => undefined))]);
  }

  /** One fetch per kid at a time. */
  private fetchOne(kid: string): Promise<void> {
    let pending = this.inflight.get(kid);
    if (!pending) {
      pending = this.fetchKey(kid)
        .then((jwk) => this.store(kid, jwk))
        .finally(() => this.inflight.delete(kid));
      this.inflight.set(kid, pending);
    }
    return pending;
  }

  private store(kid: string, jwk: JWKPublicKey | null): void {
    const now = this.now();
    const key = jwk && jwk.kid === kid ? toKeyObject(jwk) : null;
    if (!jwk || !key) {
      if (this.keys.has(kid)) return; // known before: keep it rather than forget on one odd answer
      if (this.unknown.size >= MAX_UNKNOWN) this.unknown.delete(this.unknown.keys().next().value!);
      this.unknown.set(kid, now + UNKNOWN_TTL_MS);
      return;
    }
    const expiredAt = typeof jwk.expired_at === 'number' ? jwk.expired_at * 1000 : null;
    this.keys.set(kid, { key, expiredAt, fetchedAt: now });
    this.unknown.delete(kid);
  }
}

/** Only P-256 EC keys meant for ES256 become KeyObjects; anything else verifies nothing. */
function toKeyObject(jwk: JWKPublicKey): KeyObject | null {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg && jwk.alg !== 'ES256')) return null;
  try {
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch {
    return null;
  }
}

export type JwtCheck =
  | { readonly ok: true; readonly tokenHash: string }
  | {
      readonly ok: false;
      readonly reason:
        | 'missing_signature'
        | 'bad_algorithm'
        | 'unknown_key'
        | 'expired_key'
        | 'forged'
        | 'stale';
    };

interface JwtParts {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function parseJwt(token: string): JwtParts | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return null;
  const [h, c, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(c);
  if (!header || !claims) return null;
  return { header, claims, signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
}

/**
 * The whole check of one delivery: algorithm (ES256 only: `none` and HS* are refused before any key is
 * looked up), key by kid, ECDSA signature (JOSE's raw r||s form), freshness of `iat`, and the body hash
 * (constant-time). `tokenHash` identifies this exact delivery for replay detection.
 */
export async function verifyPlaidJwt(
  token: string | undefined,
  body: Buffer,
  keys: PlaidKeyCache,
  nowMs: number,
): Promise<JwtCheck> {
  if (!token) return { ok: false, reason: 'missing_signature' };
  const jwt = parseJwt(token);
  if (!jwt) return { ok: false, reason: 'forged' };
  if (jwt.header['alg'] !== 'ES256') return { ok: false, reason: 'bad_algorithm' };
  const kid = jwt.header['kid'];
  if (typeof kid !== 'string' || kid === '' || kid.length > 200) return { ok: false, reason: 'unknown_key' };
  const found = await keys.get(kid);
  if (found.status === 'unknown') return { ok: false, reason: 'unknown_key' };
  if (found.status === 'expired') return { ok: false, reason: 'expired_key' };
  let valid = false;
  try {
    valid =
      jwt.signature.length === 64 &&
      verify(
        'sha256',
        Buffer.from(jwt.signingInput),
        { key: found.key, dsaEncoding: 'ieee-p1363' },
        jwt.signature,
      );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'forged' };
  const iat = jwt.claims['iat'];
  if (typeof iat !== 'number' || Math.abs(nowMs / 1000 - iat) > PLAID_MAX_AGE_SECONDS) {
    return { ok: false, reason: 'stale' };
  }
  const claimed = jwt.claims['request_body_sha256'];
  const actual = Buffer.from(createHash('sha256').update(body).digest('hex'));
  const given = Buffer.from(typeof claimed === 'string' ? claimed : '');
  if (given.length !== actual.length || !timingSafeEqual(given, actual))
    return { ok: false, reason: 'forged' };
  return { ok: true, tokenHash: createHash('sha256').update(token.trim()).digest('hex') };
}
