/**
 * The emulator's Sage OAuth 2.0 server: the consent page (`GET /oauth2/auth/central`, which "consents" at once
 * and redirects back with a code, or with `error=access_denied`), and the token endpoint (authorization_code
 * and refresh_token grants, the app's keys in the form body as Sage's guide shows). Refresh tokens rotate on
 * every use and each works exactly once: presenting a replaced one answers `invalid_grant` (strict, as Sage
 * documents it). Access tokens expire after `accessTtlSeconds` (Sage: 300). `POST /revoke` (the app's keys and
 * `token`, a refresh token) ends the grant's refreshes and answers `{"success":"ok"}`; as Sage documents,
 * access tokens cannot be revoked and work until they expire.
 */
import { randomBytes } from 'node:crypto';
import type { Reply } from './emulator-wire.ts';

export interface SageOAuthOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accessTtlSeconds?: number;
  readonly refreshTtlSeconds?: number;
}

export interface SageTokenResponse {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: 'bearer';
  readonly expires_in: number;
  readonly refresh_token_expires_in: number;
  readonly scope: string;
  readonly requested_by_id: string;
}

interface Grant {
  readonly user: string;
  latest: string;
  /** The person removed the app's access at Sage: nothing of the grant works any more. */
  revoked: boolean;
  /** The app revoked its refresh token (`POST /revoke`): no refresh works; issued access tokens still do. */
  refreshRevoked: boolean;
}

const CODE_TTL_MS = 60_000;

export class SageOAuthServer {
  /** Who consents next (a user id of the emulator's users), or a refusal. */
  consent: { user: string; deny: boolean };
  readonly grants = { authorization_code: 0, refresh_token: 0 };
  /** Successful `POST /revoke` calls. */
  revocations = 0;
  /** Refresh grants that presented a token already used (refused with invalid_grant). */
  replayedRefreshes = 0;
  private readonly codes = new Map<string, { user: string; redirectUri: string; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, { grant: number; expiresAt: number; used: boolean }>();
  private readonly accessTokens = new Map<string, { user: string; grant: number; expiresAt: number }>();
  private readonly chains: Grant[] = [];

  constructor(
    private readonly options: SageOAuthOptions,
    private readonly now: () => number,
    defaultUser: string,
  ) {
    this.consent = { user: defaultUser, deny: false };
  }

  authorize(params: URLSearchParams): Reply {
    const text = (status: number, message: string): Reply => ({ status, body: message });
    const redirectUri = params.get('redirect_uri');
    if (params.get('client_id') !== this.options.clientId)
      return text(400, 'invalid_client: unknown client_id');
    if (!redirectUri) return text(400, 'invalid_request: redirect_uri is required');
    if (params.get('response_type') !== 'code') return text(400, 'unsupported_response_type');
    const scope = params.get('scope');
    if (scope !== null && scope !== 'readonly' && scope !== 'full_access') return text(400, 'invalid_scope');
    const country = params.get('country');
    if (country !== null && !['ca', 'de', 'es', 'fr', 'gb', 'ie', 'us'].includes(country))
      return text(400, 'invalid_request: unknown country');
    const back = new URL(redirectUri);
    if (this.consent.deny) back.searchParams.set('error', 'access_denied');
    else {
      const code = `GB/${randomBytes(24).toString('base64url')}`;
      this.codes.set(code, { user: this.consent.user, redirectUri, expiresAt: this.now() + CODE_TTL_MS });
      back.searchParams.set('code', code);
      if (country) back.searchParams.set('country', country.toUpperCase());
    }
    const state = params.get('state');
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, body: '', headers: { Location: back.toString() } };
  }

  token(form: URLSearchParams): Reply {
    if (
      form.get('client_id') !== this.options.clientId ||
      form.get('client_secret') !== this.options.clientSecret
    )
      return { status: 401, body: { error: 'invalid_client' } };
    const grant = form.get('grant_type');
    const invalidGrant: Reply = { status: 400, body: { error: 'invalid_grant' } };
    if (grant === 'authorization_code') {
      const presented = form.get('code') ?? '';
      const code = this.codes.get(presented);
      this.codes.delete(presented);
      if (!code || code.expiresAt < this.now() || code.redirectUri !== form.get('redirect_uri'))
        return invalidGrant;
      this.grants.authorization_code++;
      return { status: 200, body: this.issue(code.user) };
    }
    if (grant === 'refresh_token') {
      const record = this.refreshTokens.get(form.get('refresh_token') ?? '');
      const chain = record ? this.chains[record.grant] : undefined;
      if (!record || !chain || chain.revoked || chain.refreshRevoked || record.expiresAt <= this.now())
        return invalidGrant;
      if (record.used) {
        this.replayedRefreshes++;
        return invalidGrant;
      }
      record.used = true;
      this.grants.refresh_token++;
      return { status: 200, body: this.rotate(record.grant) };
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  }

  /** Revokes the grant of a refresh token (any of its chain's, used or not). An unknown token is no error. */
  revoke(form: URLSearchParams): Reply {
    if (
      form.get('client_id') !== this.options.clientId ||
      form.get('client_secret') !== this.options.clientSecret
    )
      return { status: 401, body: { error: 'invalid_client' } };
    const token = form.get('token');
    if (!token)
      return { status: 400, body: { error: 'invalid_request', error_description: 'token is required' } };
    const record = this.refreshTokens.get(token);
    const chain = record ? this.chains[record.grant] : undefined;
    if (chain) chain.refreshRevoked = true;
    this.revocations++;
    return { status: 200, body: { success: 'ok' } };
  }

  /** The user a bearer token acts for, or why not. */
  access(authorization: string | undefined): { user: string } | 'expired' | 'missing' {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'missing';
    const record = this.accessTokens.get(token);
    if (!record || record.expiresAt <= this.now() || this.chains[record.grant]!.revoked) return 'expired';
    return { user: record.user };
  }

  /** A fresh grant for `user`, as if they had just consented. */
  issue(user: string): SageTokenResponse {
    this.chains.push({ user, latest: '', revoked: false, refreshRevoked: false });
    return this.rotate(this.chains.length - 1);
  }

  latestRefreshToken(user?: string): string | undefined {
    return this.chains.findLast((c) => user === undefined || c.user === user)?.latest;
  }

  revokeAll(): void {
    for (const chain of this.chains) chain.revoked = true;
  }

  expireAccessTokens(): void {
    for (const record of this.accessTokens.values())
      record.expiresAt = Math.min(record.expiresAt, this.now());
  }

  private rotate(index: number): SageTokenResponse {
    const chain = this.chains[index]!;
    const at = this.now();
    const accessTtl = this.options.accessTtlSeconds ?? 300;
    const refreshTtl = this.options.refreshTtlSeconds ?? 2_678_400;
    const refreshToken = `${randomBytes(32).toString('hex')}`;
    const accessToken = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(48).toString('base64url')}`;
    this.refreshTokens.set(refreshToken, { grant: index, expiresAt: at + refreshTtl * 1000, used: false });
    this.accessTokens.set(accessToken, { user: chain.user, grant: index, expiresAt: at + accessTtl * 1000 });
    chain.latest = refreshToken;
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: accessTtl,
      refresh_token_expires_in: refreshTtl,
      scope: 'readonly',
      requested_by_id: chain.user,
    };
  }
}
