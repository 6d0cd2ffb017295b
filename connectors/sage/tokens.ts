/**
 * One Sage grant's tokens, kept fresh by the shared rotating-refresh machinery
 * (connectors/oauth/rotating-tokens.ts: save before use, single flight, invalid_grant final). What is Sage's:
 * the stored fields, its refresh grant, and the margin. Sage's access tokens live five minutes, so the margin
 * is one minute: long enough for a page request to finish on the token it started with, short enough not to
 * refresh on every call.
 */
import { AuthError } from '../../src/errors.ts';
import {
  type RotatingTokenFields,
  RotatingTokens,
  type RotatingTokensOptions,
} from '../oauth/rotating-tokens.ts';
import type { Credentials } from '../types.ts';
import { refreshGrant } from './oauth.ts';
import type { SageContext } from './settings.ts';

export const REFRESH_EARLY_MS = 60_000;

/** The stored credentials of one connected business (all strings: Credentials is a string map). */
export interface SageCredentials extends RotatingTokenFields {
  /** Sage's business GUID, sent as X-Business on every call ('' until verify chose it). */
  readonly business_id: string;
  readonly business_name: string;
  /** ISO 4217 code of the business's base currency (financial settings), captured by `verify`. */
  readonly base_currency?: string;
}

/** Checks stored credentials at the edge. */
export function parseSageCredentials(credentials: Credentials): SageCredentials {
  // The business is chosen after the token exchange (verify): only the refresh token is required here.
  const businessId = credentials['business_id'] ?? '';
  const refreshToken = credentials['refresh_token'];
  if (!refreshToken) {
    throw new AuthError(
      'The stored Sage credentials have no refresh token; reconnect it with /finsync reconnect followed by the connection name.',
    );
  }
  const base = credentials['base_currency'];
  return {
    business_id: businessId,
    business_name: credentials['business_name'] ?? businessId,
    access_token: credentials['access_token'] ?? '',
    refresh_token: refreshToken,
    access_expires_at: credentials['access_expires_at'] ?? new Date(0).toISOString(),
    refresh_expires_at: credentials['refresh_expires_at'] ?? '',
    ...(base ? { base_currency: base } : {}),
  };
}

export class SageTokens extends RotatingTokens<SageCredentials, SageContext> {
  readonly businessId: string;

  constructor(options: RotatingTokensOptions) {
    super(
      {
        label: 'Sage',
        defaultRefreshEarlyMs: REFRESH_EARLY_MS,
        parse: parseSageCredentials,
        refresh: (refreshToken, ctx, request) => refreshGrant(ctx.settings, refreshToken, request),
        logFields: (c) => ({ businessId: c.business_id }),
      },
      options,
    );
    this.businessId = this.parsed.business_id;
  }
}
