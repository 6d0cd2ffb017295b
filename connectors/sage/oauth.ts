/**
 * Sage's OAuth 2.0 (authorization code): the consent URL, the code exchange and refresh at its token endpoint,
 * and the refresh token's revocation at its revoke endpoint (on disconnect).
 * Sage has no official Node SDK that can be pointed at another host, so these are plain `fetch` calls shaped
 * after Sage's authentication guide: the app's keys go in the form body, answers carry `expires_in` (minutes
 * of access) and `refresh_token_expires_in`, and a used or revoked refresh token answers `invalid_grant`.
 * Refresh tokens rotate on every use: tokens.ts saves the new one before anything uses it.
 */
import {
  AuthError,
  ConfigError,
  InvalidRequestError,
  RateLimitError,
  TransientError,
} from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import {
  type RefreshRequest,
  type RotatingTokenFields,
  rotatingTokenFieldsFrom,
} from '../oauth/rotating-tokens.ts';
import { retryAfterMs } from './faults.ts';
import type { SageAppSettings } from './settings.ts';

/** Read-only access: finsync never writes to the books. */
export const SAGE_SCOPE = 'readonly';
const TIMEOUT_MS = 30_000;

export type SageSettings = SageAppSettings & { readonly clientId: string; readonly clientSecret: string };

/** Sage refused the refresh token (expired, revoked, or already used once): a person must reconnect. */
export class SageInvalidGrantError extends AuthError {
  constructor(readonly reason: string) {
    super(
      `Sage refused the stored refresh token (${reason}); reconnect the business with /finsync reconnect followed by the connection name (or the alert's Reconnect button).`,
    );
  }
}

/** The app's keys, or a ConfigError naming the missing settings. */
export function sageSettings(settings: SageAppSettings): SageSettings {
  const { clientId, clientSecret } = settings;
  if (!clientId || !clientSecret) {
    const missing = [clientId ? null : 'SAGE_CLIENT_ID', clientSecret ? null : 'SAGE_CLIENT_SECRET'].filter(
      (name) => name !== null,
    );
    throw new ConfigError(
      missing[0] ?? 'SAGE_CLIENT_ID',
      `Sage is not configured: set SAGE_CLIENT_ID and SAGE_CLIENT_SECRET (missing: ${missing.join(', ')}).`,
    );
  }
  registerSecret(clientSecret);
  return { ...settings, clientId, clientSecret };
}

/** Sage's consent page for this app; `state` must be single-use and bound to the person (the caller's job). */
export function authorizeUrl(settings: SageAppSettings, state: string): string {
  const sage = sageSettings(settings);
  const url = new URL(sage.authorizeUrl);
  url.searchParams.set('client_id', sage.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', sage.redirectUri);
  url.searchParams.set('scope', SAGE_SCOPE);
  if (sage.country) url.searchParams.set('country', sage.country);
  url.searchParams.set('state', state);
  return url.toString();
}

/** Exchanges the callback's code for the first token pair. */
export async function exchangeCode(
  settings: SageAppSettings,
  code: string,
  request: RefreshRequest,
): Promise<RotatingTokenFields> {
  const sage = sageSettings(settings);
  return tokenRequest(
    sage,
    { grant_type: 'authorization_code', code, redirect_uri: sage.redirectUri },
    request,
  ).catch((error: unknown) => {
    if (!(error instanceof SageInvalidGrantError)) throw error;
    throw new AuthError(
      `Sage did not accept the authorization code (${error.reason}): a code works once and only for a few minutes. Start again with /finsync connect sage.`,
    );
  });
}

/** One refresh_token grant; Sage rotates the refresh token, so the returned one replaces the presented one. */
export function refreshGrant(
  settings: SageAppSettings,
  refreshToken: string,
  request: RefreshRequest,
): Promise<RotatingTokenFields> {
  return tokenRequest(
    sageSettings(settings),
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    request,
  );
}

/** Sage's revoke endpoint sits beside its token endpoint (https://oauth.accounting.sage.com/revoke). */
export function revokeUrl(tokenUrl: string): string {
  return new URL('revoke', tokenUrl).toString();
}

/**
 * Revokes the grant's refresh token (disconnect): Sage then refuses every refresh of it. Sage cannot revoke
 * access tokens; one already issued works for the rest of its few minutes, and finsync no longer holds it.
 */
export async function revokeRefreshToken(
  settings: SageAppSettings,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<void> {
  const sage = sageSettings(settings);
  try {
    await postForm(sage, revokeUrl(sage.tokenUrl), { token: refreshToken }, signal);
  } catch (error) {
    // A refresh token Sage already refuses (used, expired, revoked) leaves nothing to revoke: its grant can no
    // longer mint access tokens. RFC 7009 answers 200 for such a token; `invalid_grant` would mean the same.
    if (error instanceof SageInvalidGrantError) return;
    throw error;
  }
}

async function tokenRequest(
  sage: SageSettings,
  form: Record<string, string>,
  request: RefreshRequest,
): Promise<RotatingTokenFields> {
  const sentAt = request.now();
  const data = await postForm(sage, sage.tokenUrl, form, request.signal);
  return rotatingTokenFieldsFrom(data, 'refresh_token_expires_in', sentAt, 'Sage');
}

/** A form POST with the app's keys to one of Sage's OAuth endpoints; its JSON answer, or a typed error. */
async function postForm(
  sage: SageSettings,
  url: string,
  form: Record<string, string>,
  cancel: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const body = new URLSearchParams({ ...form, client_id: sage.clientId, client_secret: sage.clientSecret });
  const signal = cancel
    ? AbortSignal.any([cancel, AbortSignal.timeout(TIMEOUT_MS)])
    : AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      signal,
    });
  } catch {
    throw new TransientError(`Sage's ${endpointName(url)} did not answer (${new URL(url).host})`);
  }
  const text = await response.text().catch(() => '');
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    data = {};
  }
  if (!response.ok) throw tokenError(response, data, endpointName(url));
  return data;
}

function endpointName(url: string): string {
  return new URL(url).pathname.endsWith('/revoke') ? 'revoke endpoint' : 'token endpoint';
}

function tokenError(response: Response, fields: Record<string, unknown>, endpoint: string): Error {
  const error = typeof fields['error'] === 'string' ? fields['error'] : `HTTP ${response.status}`;
  const description =
    typeof fields['error_description'] === 'string' ? `: ${fields['error_description']}` : '';
  const reason = `${error}${description}`.slice(0, 200);
  if (error === 'invalid_grant') return new SageInvalidGrantError(reason);
  if (error === 'invalid_client' || response.status === 401)
    return new ConfigError(
      'SAGE_CLIENT_SECRET',
      `Sage rejected the app's keys (${reason}): check SAGE_CLIENT_ID and SAGE_CLIENT_SECRET.`,
    );
  if (response.status === 429)
    return new RateLimitError(
      `Sage's ${endpoint} is throttling (${reason})`,
      retryAfterMs(response.headers.get('retry-after')),
    );
  if (response.status >= 500) return new TransientError(`Sage's ${endpoint} failed (${reason})`);
  return new InvalidRequestError(
    `Sage refused the ${endpoint === 'revoke endpoint' ? 'revocation' : 'token request'} (${reason})`,
  );
}
