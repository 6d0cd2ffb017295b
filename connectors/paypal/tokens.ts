/**
 * OAuth 2 client-credentials tokens, cached per (API base, client id, secret) for the process until shortly
 * before `expires_in`: every stream, run, cash query and webhook check of one app shares one token, and
 * concurrent callers share one request. PayPal's tokens last hours (typically 32,400 s); a refused token is
 * dropped (`invalidate`) and fetched again once by the client.
 */
import { createHash } from 'node:crypto';
import type { PayPalTokenResponse } from './wire.ts';

/** Renew this long before PayPal's expiry (or at half the lifetime for short-lived tokens). */
export const TOKEN_EARLY_MS = 5 * 60_000;

export interface CachedToken {
  readonly accessToken: string;
  readonly appId: string | undefined;
  readonly expiresAt: number;
}

type Entry = { token: CachedToken } | { pending: Promise<CachedToken> };

const CACHE = new Map<string, Entry>();

/** The cache key; the secret is hashed so it is not kept as a map key in clear. */
export function tokenKey(apiBase: string, clientId: string, clientSecret: string): string {
  const secret = createHash('sha256').update(clientSecret).digest('hex').slice(0, 32);
  return `${apiBase}\u0000${clientId}\u0000${secret}`;
}

export function expiryOf(response: PayPalTokenResponse, receivedAt: number): number {
  const lifetimeMs = response.expires_in * 1000;
  return receivedAt + lifetimeMs - Math.min(TOKEN_EARLY_MS, lifetimeMs / 2);
}

/** The cached token when still fresh at `now`, else one from `fetchToken` (one request for all callers). */
export async function cachedToken(
  key: string,
  now: () => number,
  fetchToken: () => Promise<CachedToken>,
): Promise<CachedToken> {
  const entry = CACHE.get(key);
  if (entry && 'token' in entry && entry.token.expiresAt > now()) return entry.token;
  if (entry && 'pending' in entry) return entry.pending;
  const pending = fetchToken();
  CACHE.set(key, { pending });
  try {
    const token = await pending;
    CACHE.set(key, { token });
    return token;
  } catch (error) {
    CACHE.delete(key);
    throw error;
  }
}

/** Forgets `accessToken` if it is still the cached one (another caller may have renewed it already). */
export function invalidateToken(key: string, accessToken: string): void {
  const entry = CACHE.get(key);
  if (entry && 'token' in entry && entry.token.accessToken === accessToken) CACHE.delete(key);
}

/** Tests: start from an empty cache. */
export function clearTokenCache(): void {
  CACHE.clear();
}
