/**
 * Keeps one company's tokens fresh without ever losing the refresh token.
 *
 * Intuit rotates the refresh token on refresh; losing the new one loses the connection. So:
 * - A refresh happens 5 minutes before the access token expires, or when the API rejects it (401, code 3200).
 * - The new pair is passed to `session.save` and only once that resolves (durable) is the new access token
 *   handed to anyone. If the save fails, the pair is kept in memory and the save is retried before any use.
 * - Concurrent callers share one refresh (single flight); a caller whose token was rejected after someone
 *   else already refreshed gets the newer token without a second refresh.
 * - `invalid_grant` is final: an AuthError (the connection needs a reconnect) that this manager then repeats
 *   without asking Intuit again, so nothing loops.
 *
 * A crash after Intuit rotated the token but before the save completed leaves the store holding the previous
 * refresh token. Nothing on our side can close that window (the new token exists only in Intuit's answer),
 * so recovery leans on Intuit not invalidating a replaced refresh token at once (its docs, as we read them,
 * keep it for about a day; the emulator's default models that): the next run refreshes with the stored token
 * and saves the fresh pair. Past that grace Intuit answers invalid_grant: an AuthError, the connection is
 * marked "needs reconnect" once, and nothing retries it in a loop.
 */
import { AuthError, InternalError } from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from '../../src/retry.ts';
import type { CredentialSession, Credentials } from '../types.ts';
import { type QuickBooksCredentials, quickbooksSettings, refreshGrant } from './oauth.ts';
import type { QuickBooksContext } from './settings.ts';

export const REFRESH_EARLY_MS = 5 * 60_000;

export interface TokenManagerOptions {
  readonly credentials: Credentials;
  /** Where rotated credentials are saved; without one a refresh is refused (the new token would be lost). */
  readonly session?: CredentialSession;
  readonly now?: () => number;
  readonly refreshEarlyMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
}

/** Checks stored credentials at the edge. */
export function parseCredentials(credentials: Credentials): QuickBooksCredentials {
  const realmId = credentials['realm_id'];
  const refreshToken = credentials['refresh_token'];
  if (!realmId || !refreshToken) {
    throw new AuthError(
      'The stored QuickBooks credentials have no company id or refresh token; reconnect it with /finsync reconnect followed by the connection name.',
    );
  }
  registerSecret(refreshToken);
  registerSecret(credentials['access_token']);
  const homeCurrency = credentials['home_currency'];
  return {
    realm_id: realmId,
    access_token: credentials['access_token'] ?? '',
    refresh_token: refreshToken,
    access_expires_at: credentials['access_expires_at'] ?? new Date(0).toISOString(),
    refresh_expires_at: credentials['refresh_expires_at'] ?? '',
    ...(homeCurrency ? { home_currency: homeCurrency } : {}),
  };
}

export class TokenManager {
  readonly realmId: string;
  private current: QuickBooksCredentials;
  /** A rotated pair Intuit gave us that is not durable yet: never used before it is. */
  private unsaved: QuickBooksCredentials | null = null;
  private inflight: Promise<string> | null = null;
  private failure: AuthError | null = null;
  private readonly base: Credentials;
  private readonly now: () => number;

  constructor(private readonly options: TokenManagerOptions) {
    this.base = options.credentials;
    this.current = parseCredentials(options.credentials);
    this.realmId = this.current.realm_id;
    this.now = options.now ?? Date.now;
  }

  /** The latest durable credentials (what the store holds). */
  get credentials(): Credentials {
    return this.toCredentials(this.current);
  }

  /** A usable access token, refreshing first when it expires within `refreshEarlyMs`. */
  async accessToken(ctx: QuickBooksContext): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.inflight) return this.inflight;
    const expiresAt = Date.parse(this.current.access_expires_at);
    const early = this.options.refreshEarlyMs ?? REFRESH_EARLY_MS;
    const fresh = this.current.access_token !== '' && expiresAt - early > this.now();
    return fresh && !this.unsaved ? this.current.access_token : this.refresh(ctx);
  }

  /** The API rejected `token` (401): refresh, unless a newer token already replaced it. */
  async rejected(token: string, ctx: QuickBooksContext): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.inflight) return this.inflight;
    if (token !== this.current.access_token && !this.unsaved) return this.current.access_token;
    return this.refresh(ctx);
  }

  private refresh(ctx: QuickBooksContext): Promise<string> {
    this.inflight ??= this.rotate(ctx).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async rotate(ctx: QuickBooksContext): Promise<string> {
    const session = this.options.session;
    if (!session) {
      throw new InternalError(
        'QuickBooks tokens need refreshing but no credential session was given to save the rotated refresh token',
      );
    }
    if (!this.unsaved) {
      const qb = quickbooksSettings(ctx.settings);
      const presented = this.current.refresh_token;
      try {
        // Transient failures retry with the same token: if Intuit rotated it but the answer was lost, the
        // replaced token still works during Intuit's grace period.
        const grant = await withRetries(
          () => refreshGrant(qb, presented, { now: this.now, ...(ctx.signal ? { signal: ctx.signal } : {}) }),
          {
            ...DEFAULT_RETRY,
            ...this.options.retry,
            ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          },
        );
        this.unsaved = { ...this.current, ...grant };
      } catch (error) {
        if (error instanceof AuthError) this.failure = error;
        throw error;
      }
      ctx.log.info('QuickBooks tokens refreshed; saving the rotated refresh token before use', {
        realmId: this.realmId,
      });
    }
    await session.save(this.toCredentials(this.unsaved));
    this.current = this.unsaved;
    this.unsaved = null;
    return this.current.access_token;
  }

  private toCredentials(c: QuickBooksCredentials): Credentials {
    return { ...this.base, ...c };
  }
}
