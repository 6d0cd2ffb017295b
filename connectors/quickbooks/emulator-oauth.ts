/**
 * The emulator's Intuit OAuth 2.0 server: the consent redirect, the token endpoint (authorization_code and
 * refresh_token grants, JSON shaped like intuit/oauth-jsclient's mocks) and revocation.
 *
 * Refresh tokens rotate on every use. The replaced token keeps working for `refreshGraceMs` (default 24 h),
 * our reading of Intuit's OAuth documentation, which has the previous refresh token expire about a day after
 * a new one is issued: that grace is what lets a client that crashed before saving a rotated token recover
 * with the old one. `refreshGraceMs: 0` models a strict server where the old token fails at once with
 * invalid_grant (the tests run both).
 */
import { randomBytes } from 'node:crypto';
import type { Reply } from './emulator-wire.ts';

export interface OAuthOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accessTtlSeconds?: number;
  readonly refreshTtlSeconds?: number;
  readonly refreshGraceMs?: number;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: 'bearer';
  readonly expires_in: number;
  readonly x_refresh_token_expires_in: number;
}

interface RefreshRecord {
  readonly chain: number;
  readonly realmId: string;
  readonly expiresAt: number;
  replacedAt: number | null;
}

interface Chain {
  readonly realmId: string;
  latest: string;
  revoked: boolean;
}

export const DAY_MS = 86_400_000;
const CODE_TTL_MS = 5 * 60_000;

const invalidGrant = (): Reply => ({
  status: 400,
  body: { error_description: 'Token invalid', error: 'invalid_grant' },
});

export class OAuthServer {
  consent: { realmId: string; deny: boolean };
  /** Refreshes that presented an already-replaced token (accepted only inside the grace period). */
  staleRefreshUses = 0;
  readonly grants = { authorization_code: 0, refresh_token: 0 };
  private readonly codes = new Map<string, { realmId: string; redirectUri: string; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly accessTokens = new Map<string, { realmId: string; chain: number; expiresAt: number }>();
  private readonly chains: Chain[] = [];

  constructor(
    private readonly options: OAuthOptions,
    private readonly now: () => number,
    realmIds: readonly string[],
  ) {
    this.consent = { realmId: realmIds[0] ?? '', deny: false };
  }

  get refreshGraceMs(): number {
    return this.options.refreshGraceMs ?? DAY_MS;
  }

  /** GET /oauth2/authorize: the person "consents" at once and is sent back with a code (or a refusal). */
  authorize(params: URLSearchParams): Reply {
    const redirectUri = params.get('redirect_uri');
    const text = (status: number, message: string): Reply => ({ status, body: message });
    if (params.get('client_id') !== this.options.clientId)
      return text(400, 'invalid_client: unknown client_id');
    if (!redirectUri) return text(400, 'invalid_request: redirect_uri is required');
    if (params.get('response_type') !== 'code') return text(400, 'unsupported_response_type');
    if (!(params.get('scope') ?? '').split(' ').includes('com.intuit.quickbooks.accounting')) {
      return text(400, 'invalid_scope: com.intuit.quickbooks.accounting is required');
    }
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (this.consent.deny) {
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = `AB11${randomBytes(24).toString('base64url')}`;
      this.codes.set(code, {
        realmId: this.consent.realmId,
        redirectUri,
        expiresAt: this.now() + CODE_TTL_MS,
      });
      back.searchParams.set('code', code);
      back.searchParams.set('realmId', this.consent.realmId);
    }
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, body: '', headers: { Location: back.toString() } };
  }

  /** POST /oauth2/v1/tokens/bearer. */
  token(authorization: string | undefined, form: URLSearchParams): Reply {
    const expected = `Basic ${Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64')}`;
    if (authorization !== expected) return { status: 401, body: { error: 'invalid_client' } };
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt < this.now() || code.redirectUri !== form.get('redirect_uri')) {
        return { status: 400, body: { error: 'invalid_grant' } };
      }
      this.grants.authorization_code++;
      return { status: 200, body: this.issue(code.realmId) };
    }
    if (grant === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const record = this.refreshTokens.get(presented);
      const chain = record ? this.chains[record.chain] : undefined;
      const at = this.now();
      if (!record || !chain || chain.revoked || record.expiresAt <= at) return invalidGrant();
      if (record.replacedAt !== null) {
        if (at - record.replacedAt >= this.refreshGraceMs) return invalidGrant();
        this.staleRefreshUses++;
      }
      this.grants.refresh_token++;
      return { status: 200, body: this.rotate(record.chain) };
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  }

  /** POST /oauth2/v1/tokens/revoke: revokes the whole grant the token belongs to. */
  revoke(authorization: string | undefined, token: string): Reply {
    const expected = `Basic ${Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64')}`;
    if (authorization !== expected) return { status: 401, body: { error: 'invalid_client' } };
    const chain = this.refreshTokens.get(token)?.chain ?? this.accessTokens.get(token)?.chain;
    if (chain !== undefined) this.chains[chain]!.revoked = true;
    return { status: 200, body: '' };
  }

  /** Whether a bearer token may call the API of `realmId`: 'ok', or why not. */
  access(authorization: string | undefined, realmId: string): 'ok' | 'expired' | 'missing' | 'forbidden' {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'missing';
    const record = this.accessTokens.get(token);
    if (!record || record.expiresAt <= this.now() || this.chains[record.chain]!.revoked) return 'expired';
    return record.realmId === realmId ? 'ok' : 'forbidden';
  }

  /** A fresh grant for `realmId`, as if the person had just consented (tests, the sandbox). */
  issue(realmId: string): TokenResponse {
    this.chains.push({ realmId, latest: '', revoked: false });
    return this.rotate(this.chains.length - 1);
  }

  latestRefreshToken(realmId: string): string | undefined {
    return this.chains.findLast((c) => c.realmId === realmId)?.latest;
  }

  revokeRefreshTokens(realmId?: string): void {
    for (const chain of this.chains)
      if (realmId === undefined || chain.realmId === realmId) chain.revoked = true;
  }

  expireAccessTokens(realmId?: string): void {
    for (const record of this.accessTokens.values()) {
      if (realmId === undefined || record.realmId === realmId)
        record.expiresAt = Math.min(record.expiresAt, this.now());
    }
  }

  private rotate(chainIndex: number): TokenResponse {
    const chain = this.chains[chainIndex]!;
    const at = this.now();
    const previous = this.refreshTokens.get(chain.latest);
    if (previous && previous.replacedAt === null) previous.replacedAt = at;
    const accessTtl = this.options.accessTtlSeconds ?? 3600;
    const refreshTtl = this.options.refreshTtlSeconds ?? 8_726_400;
    const refreshToken = `AB11${Math.floor(at / 1000)}${randomBytes(27).toString('base64url')}`;
    const accessToken = `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${randomBytes(48).toString('base64url')}`;
    this.refreshTokens.set(refreshToken, {
      chain: chainIndex,
      realmId: chain.realmId,
      expiresAt: at + refreshTtl * 1000,
      replacedAt: null,
    });
    this.accessTokens.set(accessToken, {
      realmId: chain.realmId,
      chain: chainIndex,
      expiresAt: at + accessTtl * 1000,
    });
    chain.latest = refreshToken;
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: accessTtl,
      x_refresh_token_expires_in: refreshTtl,
    };
  }
}
