/**
 * The emulator's `POST /v1/oauth2/token` (client credentials, HTTP Basic) and the bearer check of every API
 * call. One REST app by default; its credentials can be revoked (`invalid_client`, and its tokens refused with
 * 401 AUTHENTICATION_FAILURE) and its Transaction Search permission withdrawn (403 NOT_AUTHORIZED).
 */
import { randomBytes } from 'node:crypto';
import { oauthError, type Reply, restError } from './emulator-wire.ts';

export interface EmulatedApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly appId: string;
  revoked: boolean;
  /** The app's "Transaction search" feature. */
  transactionSearch: boolean;
}

interface IssuedToken {
  readonly app: EmulatedApp;
  readonly expiresAt: number;
}

export class TokenServer {
  private readonly tokens = new Map<string, IssuedToken>();
  grants = 0;

  constructor(
    readonly app: EmulatedApp,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** The token endpoint: `authorization: Basic base64(id:secret)`, body `grant_type=client_credentials`. */
  token(authorization: string | undefined, body: string): Reply {
    const grant = new URLSearchParams(body).get('grant_type');
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const id = colon >= 0 ? decoded.slice(0, colon) : '';
    const secret = colon >= 0 ? decoded.slice(colon + 1) : '';
    if (id !== this.app.clientId || secret !== this.app.clientSecret || this.app.revoked) {
      return oauthError(401, 'invalid_client', 'Client Authentication failed');
    }
    if (grant !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', `Grant Type is NULL or not supported: ${grant ?? ''}`);
    }
    this.grants += 1;
    const accessToken = `A21AA${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, { app: this.app, expiresAt: this.now() + this.ttlSeconds * 1000 });
    const scopes = [
      'https://uri.paypal.com/services/reporting/search/read',
      'https://uri.paypal.com/services/reporting/balances/read',
    ];
    return {
      status: 200,
      body: {
        scope: this.app.transactionSearch ? scopes.join(' ') : 'openid',
        access_token: accessToken,
        token_type: 'Bearer',
        app_id: this.app.appId,
        expires_in: this.ttlSeconds,
        nonce: `${new Date(this.now()).toISOString().slice(0, 19)}Z${randomBytes(8).toString('hex')}`,
      },
    };
  }

  /** null when the bearer token is good for a reporting call; else PayPal's refusal. */
  check(authorization: string | undefined, needsSearch: boolean): Reply | null {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const issued = bearer ? this.tokens.get(bearer[1]!) : undefined;
    if (!issued || issued.expiresAt <= this.now() || issued.app.revoked)
      return restError(401, 'AUTHENTICATION_FAILURE');
    if (needsSearch && !issued.app.transactionSearch) return restError(403, 'NOT_AUTHORIZED');
    return null;
  }

  expireAll(): void {
    this.tokens.clear();
  }
}
