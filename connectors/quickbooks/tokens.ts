/**
 * Keeps one company's tokens fresh without ever losing the refresh token.
 *
 * Intuit rotates the refresh token on refresh; losing the new one loses the connection. The machinery is shared
 * with every provider whose refresh tokens rotate (connectors/oauth/rotating-tokens.ts); this file says what
 * is Intuit's: the stored fields, the refresh grant, 5 minutes of margin. In short:
 * - A refresh happens 5 minutes before the access token expires, or when the API rejects it (401, code 3200).
 * - The new pair is passed to `session.save` and only once that resolves (durable) is the new access token
 *   handed to anyone. If the save fails, the pair is kept in memory and the save is retried before any use.
 * - Concurrent callers share one refresh (single flight); a caller whose token was rejected after someone
 *   else already refreshed gets the newer token without a second refresh.
 * - `invalid_grant` is final once the store still holds the refused token (another process that rotated it
 *   meanwhile has its rotation adopted instead): an AuthError (the connection needs a reconnect) that this
 *   manager then repeats without asking Intuit again, so nothing loops.
 *
 * A crash after Intuit rotated the token but before the save completed leaves the store holding the previous
 * refresh token. Nothing on our side can close that window (the new token exists only in Intuit's answer),
 * so recovery leans on Intuit not invalidating a replaced refresh token at once (its docs, as we read them,
 * keep it for about a day; the emulator's default models that): the next run refreshes with the stored token
 * and saves the fresh pair. Past that grace Intuit answers invalid_grant: an AuthError, the connection is
 * marked "needs reconnect" once, and nothing retries it in a loop.
 */
import { AuthError } from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import { RotatingTokens, type RotatingTokensOptions } from '../oauth/rotating-tokens.ts';
import type { Credentials } from '../types.ts';
import { type QuickBooksCredentials, quickbooksSettings, refreshGrant } from './oauth.ts';
import type { QuickBooksContext } from './settings.ts';

export const REFRESH_EARLY_MS = 5 * 60_000;

export type TokenManagerOptions = RotatingTokensOptions;

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

export class TokenManager extends RotatingTokens<QuickBooksCredentials, QuickBooksContext> {
  readonly realmId: string;

  constructor(options: TokenManagerOptions) {
    super(
      {
        label: 'QuickBooks',
        defaultRefreshEarlyMs: REFRESH_EARLY_MS,
        parse: parseCredentials,
        refresh: (refreshToken, ctx, request) =>
          refreshGrant(quickbooksSettings(ctx.settings), refreshToken, request),
        logFields: (c) => ({ realmId: c.realm_id }),
      },
      options,
    );
    this.realmId = this.parsed.realm_id;
  }
}
