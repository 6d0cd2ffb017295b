/**
 * PayPal REST over plain `fetch` (the official @paypal/paypal-server-sdk hard-codes PayPal's hosts and cannot
 * reach PAYPAL_API_BASE's emulator). Every call: a cached client-credentials token (tokens.ts), a timeout,
 * typed errors (faults.ts), one token renewal on a refused token, and bounded retries with backoff for
 * transient failures and 429s (which wait what `Retry-After` says), through the run's sleep and signal.
 */
import { AuthError, TransientError } from '../../src/errors.ts';
import { DEFAULT_RETRY, type RetryOptions, realSleep, withRetries } from '../../src/retry.ts';
import { queryDate } from './dates.ts';
import { mapPayPalError, PayPalTokenRejectedError } from './faults.ts';
import type { PayPalContext } from './settings.ts';
import { type CachedToken, cachedToken, expiryOf, invalidateToken, tokenKey } from './tokens.ts';
import {
  type PayPalBalancesResponse,
  type PayPalSearchResponse,
  parseBalancesResponse,
  parseErrorBody,
  parseSearchResponse,
  parseTokenResponse,
} from './wire.ts';

export interface PayPalCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface PayPalApiOptions {
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
  /** Clock (ms) for token expiry. */
  readonly now?: () => number;
}

export interface SearchParams {
  readonly startMs: number;
  readonly endMs: number;
  /** `Y`: balance-affecting rows only; `N`: every row. */
  readonly balanceAffectingOnly: boolean;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

export interface WebhookVerification {
  readonly auth_algo: string;
  readonly cert_url: string;
  readonly transmission_id: string;
  readonly transmission_sig: string;
  readonly transmission_time: string;
  readonly webhook_id: string;
  readonly webhook_event: unknown;
}

export class PayPalApi {
  private readonly key: string;
  private readonly now: () => number;

  constructor(
    private readonly credentials: PayPalCredentials,
    private readonly ctx: PayPalContext,
    private readonly options: PayPalApiOptions = {},
  ) {
    this.key = tokenKey(ctx.settings.apiBase, credentials.clientId, credentials.clientSecret);
    this.now = options.now ?? Date.now;
  }

  /** The token (cached), proving the client id and secret; its `app_id` names the REST app. */
  token(): Promise<CachedToken> {
    return this.retrying('token', () => this.tokenOnce());
  }

  /** The cached token or one request for a new one, without retries (callers retry around it). */
  private tokenOnce(): Promise<CachedToken> {
    return cachedToken(this.key, this.now, async () => {
      const basic = Buffer.from(`${this.credentials.clientId}:${this.credentials.clientSecret}`).toString(
        'base64',
      );
      const response = await this.send('token', '/v1/oauth2/token', {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      });
      const receivedAt = this.now();
      if (!response.ok) throw await this.failure('token', response, true);
      const token = parseTokenResponse(await readJson(response));
      return { accessToken: token.access_token, appId: token.app_id, expiresAt: expiryOf(token, receivedAt) };
    });
  }

  /** `GET /v1/reporting/transactions` with `fields=all`. */
  async search(params: SearchParams): Promise<PayPalSearchResponse> {
    const query = new URLSearchParams({
      start_date: queryDate(params.startMs),
      end_date: queryDate(params.endMs),
      fields: 'all',
      balance_affecting_records_only: params.balanceAffectingOnly ? 'Y' : 'N',
      page_size: String(params.pageSize),
      page: String(params.page),
    });
    return parseSearchResponse(
      await this.getJson('transaction search', `/v1/reporting/transactions?${query}`),
    );
  }

  /** `GET /v1/reporting/balances`: the account's latest balances per currency. */
  async balances(): Promise<PayPalBalancesResponse> {
    return parseBalancesResponse(await this.getJson('balances', '/v1/reporting/balances'));
  }

  /** `POST /v1/notifications/verify-webhook-signature`: true only for `SUCCESS`. */
  async verifyWebhookSignature(request: WebhookVerification): Promise<boolean> {
    const body = await this.authorized('webhook verification', '/v1/notifications/verify-webhook-signature', {
      method: 'POST',
      body: JSON.stringify(request),
      headers: { 'content-type': 'application/json' },
    });
    return (body as { verification_status?: unknown } | null)?.verification_status === 'SUCCESS';
  }

  private getJson(what: string, path: string): Promise<unknown> {
    return this.authorized(what, path, { method: 'GET' });
  }

  /** A bearer call with retries; a refused token is renewed once (it may have been revoked early). */
  private authorized(what: string, path: string, init: RequestInit): Promise<unknown> {
    return this.retrying(what, async () => {
      for (let attempt = 1; ; attempt++) {
        const token = await this.tokenOnce();
        const response = await this.send(what, path, {
          ...init,
          headers: {
            ...(init.headers as Record<string, string> | undefined),
            authorization: `Bearer ${token.accessToken}`,
            accept: 'application/json',
          },
        });
        if (response.ok) return readJson(response);
        const error = await this.failure(what, response, false);
        if (!(error instanceof PayPalTokenRejectedError)) throw error;
        invalidateToken(this.key, token.accessToken);
        if (attempt >= 2) throw new AuthError(`${error.message} (also with a new access token)`);
      }
    });
  }

  private retrying<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const { ctx } = this;
    return withRetries(operation, {
      ...DEFAULT_RETRY,
      ...this.options.retry,
      sleep: ctx.sleep ?? realSleep,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRetry: ({ attempt, delayMs, error }) =>
        ctx.log.warn('PayPal request failed, retrying', {
          what,
          attempt,
          delayMs,
          error: error instanceof Error ? error.message : String(error),
        }),
    });
  }

  private async send(what: string, path: string, init: RequestInit): Promise<Response> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = this.ctx.signal ? AbortSignal.any([this.ctx.signal, timeout]) : timeout;
    try {
      return await fetch(`${this.ctx.settings.apiBase}${path}`, { ...init, signal });
    } catch (error) {
      if (this.ctx.signal?.aborted) throw this.ctx.signal.reason;
      if (timeout.aborted) throw new TransientError(`PayPal ${what}: no answer within ${timeoutMs} ms`);
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new TransientError(
        `PayPal ${what}: network error (${typeof cause === 'string' ? cause : 'no answer'})`,
      );
    }
  }

  private async failure(what: string, response: Response, tokenCall: boolean): Promise<Error> {
    const body = parseErrorBody(await readJson(response).catch(() => ({})));
    return mapPayPalError(what, response.status, body, response.headers.get('retry-after'), tokenCall);
  }
}

async function readJson(response: Response): Promise<unknown> {
  if (response.ok) {
    // Parsed from the bytes (undici's own path): the pages are large and this is the hot loop of a load.
    try {
      return (await response.json()) as unknown;
    } catch {
      throw new TransientError(`PayPal answered ${response.status} with a body that is not JSON`);
    }
  }
  const text = await response.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}
