/**
 * Intuit OAuth 2.0 (authorization code): the consent URL, the code exchange, refresh and revocation at the
 * token endpoints. These requests use fetch rather than node-quickbooks: the SDK has no code exchange, and its
 * `refreshAccessToken` reads a process-wide static token URL and writes the new tokens into the instance
 * before the caller could persist them (tokens.ts must save a rotated refresh token before any use).
 */
import {
  AuthError,
  ConfigError,
  InvalidRequestError,
  RateLimitError,
  TransientError,
  UserInputError,
} from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import { rotatingTokenFieldsFrom } from '../oauth/rotating-tokens.ts';
import type { Credentials } from '../types.ts';
import type { QuickBooksAppSettings } from './settings.ts';

export const QUICKBOOKS_SCOPE = 'com.intuit.quickbooks.accounting';
const TIMEOUT_MS = 30_000;

/** The app settings once the app's keys are known to be set. */
export type QuickBooksSettings = QuickBooksAppSettings & {
  readonly clientId: string;
  readonly clientSecret: string;
};

/** The stored credentials of one connected company (all strings: Credentials is a string map). */
export interface QuickBooksCredentials {
  readonly realm_id: string;
  readonly access_token: string;
  readonly refresh_token: string;
  /** ISO 8601 instants. */
  readonly access_expires_at: string;
  readonly refresh_expires_at: string;
  /** ISO 4217 code from the company's Preferences, captured by `verify`; absent until then. */
  readonly home_currency?: string;
}

/** Intuit refused the refresh token (expired, revoked, or already rotated away): a person must reconnect. */
export class QuickBooksInvalidGrantError extends AuthError {
  constructor(
    /** Intuit's `error: error_description`. */
    readonly reason: string,
  ) {
    super(
      `Intuit refused the stored refresh token (${reason}); reconnect the company with /finsync reconnect followed by the connection name (or the alert's Reconnect button).`,
    );
  }
}

/** The app's keys, or a ConfigError naming the missing settings. */
export function quickbooksSettings(settings: QuickBooksAppSettings): QuickBooksSettings {
  const qb = settings;
  const missing = [
    qb.clientId ? null : 'QUICKBOOKS_CLIENT_ID',
    qb.clientSecret ? null : 'QUICKBOOKS_CLIENT_SECRET',
  ].filter((name) => name !== null);
  if (!qb.clientId || !qb.clientSecret) {
    throw new ConfigError(
      missing[0] ?? 'QUICKBOOKS_CLIENT_ID',
      `QuickBooks is not configured: set QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET (missing: ${missing.join(', ')}).`,
    );
  }
  registerSecret(qb.clientSecret);
  return { ...qb, clientId: qb.clientId, clientSecret: qb.clientSecret };
}

/** Intuit's consent page for this app; `state` must be single-use and bound to the person (the caller's job). */
export function authorizeUrl(request: {
  readonly settings: QuickBooksAppSettings;
  readonly state: string;
}): string {
  const qb = quickbooksSettings(request.settings);
  const url = new URL(qb.authorizeUrl);
  url.searchParams.set('client_id', qb.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', QUICKBOOKS_SCOPE);
  url.searchParams.set('redirect_uri', qb.redirectUri);
  url.searchParams.set('state', request.state);
  return url.toString();
}

export interface TokenRequestOptions {
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** Exchanges the code Intuit sent to the callback for the company's first token pair. */
export async function exchangeCode(
  request: {
    readonly settings: QuickBooksAppSettings;
    readonly code: string;
    readonly realmId: string;
  } & TokenRequestOptions,
): Promise<Credentials> {
  const qb = quickbooksSettings(request.settings);
  if (!/^\d{1,32}$/.test(request.realmId))
    throw new UserInputError('Intuit sent an invalid company id (realmId).');
  const grant = await tokenRequest(
    qb,
    { grant_type: 'authorization_code', code: request.code, redirect_uri: qb.redirectUri },
    request,
  ).catch((error: unknown) => {
    if (!(error instanceof QuickBooksInvalidGrantError)) throw error;
    throw new AuthError(
      `Intuit did not accept the authorization code (${error.reason}): a code works once and only for a few minutes. Start again with /finsync connect quickbooks.`,
    );
  });
  const credentials: QuickBooksCredentials = { realm_id: request.realmId, ...grant };
  return { ...credentials };
}

/** The token fields of the credentials, from one token response. */
export type TokenGrant = Pick<
  QuickBooksCredentials,
  'access_token' | 'refresh_token' | 'access_expires_at' | 'refresh_expires_at'
>;

/** One refresh_token grant. Intuit rotates the refresh token: the returned one replaces the presented one. */
export async function refreshGrant(
  qb: QuickBooksSettings,
  refreshToken: string,
  options: TokenRequestOptions = {},
): Promise<TokenGrant> {
  return tokenRequest(qb, { grant_type: 'refresh_token', refresh_token: refreshToken }, options);
}

/** Revokes the grant a token belongs to (disconnect). Best effort is the caller's choice. */
export async function revokeToken(
  request: { readonly settings: QuickBooksAppSettings; readonly token: string } & TokenRequestOptions,
): Promise<void> {
  const qb = quickbooksSettings(request.settings);
  await post(qb, revokeUrl(qb.tokenUrl), new URLSearchParams({ token: request.token }), request);
}

/** Intuit's revocation endpoint lives on another host than its token endpoint; an emulator serves it beside. */
export function revokeUrl(tokenUrl: string): string {
  const url = new URL(tokenUrl);
  if (url.hostname === 'oauth.platform.intuit.com') {
    return 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke';
  }
  return new URL('/oauth2/v1/tokens/revoke', url).toString();
}

async function tokenRequest(
  qb: QuickBooksSettings,
  form: Record<string, string>,
  options: TokenRequestOptions,
): Promise<TokenGrant> {
  const sentAt = (options.now ?? Date.now)();
  const body = await post(qb, qb.tokenUrl, new URLSearchParams(form), options);
  const data = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return rotatingTokenFieldsFrom(data, 'x_refresh_token_expires_in', sentAt, 'Intuit');
}

/** POSTs a form with the app's Basic credentials; Intuit's OAuth errors become typed errors. */
async function post(
  qb: QuickBooksSettings,
  url: string,
  form: URLSearchParams,
  options: TokenRequestOptions,
): Promise<unknown> {
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(TIMEOUT_MS)])
    : AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${qb.clientId}:${qb.clientSecret}`).toString('base64')}`,
      },
      body: form.toString(),
      signal,
    });
  } catch {
    throw new TransientError(`Intuit's token endpoint did not answer (${new URL(url).host})`);
  }
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (response.ok) return body;
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const error = typeof fields['error'] === 'string' ? fields['error'] : `HTTP ${response.status}`;
  const description =
    typeof fields['error_description'] === 'string' ? `: ${fields['error_description']}` : '';
  const reason = `${error}${description}`.slice(0, 200);
  if (error === 'invalid_grant') {
    throw new QuickBooksInvalidGrantError(reason);
  }
  if (error === 'invalid_client' || response.status === 401) {
    throw new ConfigError(
      'QUICKBOOKS_CLIENT_SECRET',
      `Intuit rejected the app's keys (${reason}): check QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET.`,
    );
  }
  if (response.status === 429)
    throw new RateLimitError(`Intuit's token endpoint is throttling (${reason})`, 60_000);
  if (response.status >= 500) throw new TransientError(`Intuit's token endpoint failed (${reason})`);
  throw new InvalidRequestError(`Intuit refused the token request (${reason})`);
}
