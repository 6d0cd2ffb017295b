/**
 * The official Plaid SDK, configured from settings, behind one `call` that turns Plaid's failures into our typed
 * errors and retries the transient ones. Errors never carry the AxiosError (its config holds PLAID-SECRET and
 * the request body holds the access token), only Plaid's own message with any token cut out.
 */
import type { PlaidApi } from 'plaid';
import {
  AuthError,
  ConfigError,
  classify,
  FinsyncError,
  InvalidRequestError,
  RateLimitError,
  TransientError,
} from '../../src/errors.ts';
import { redactText, registerSecret } from '../../src/log.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from '../../src/retry.ts';
import type { PlaidContext, PlaidSettings } from './settings.ts';

/**
 * Plaid's data changed while a /transactions/sync pagination set was being read. Retrying the same request
 * cannot help: the stream restarts the whole set. It is transient so that, if restarts run out, the engine
 * re-reads the stream later.
 */
export class PlaidMutationDuringPaginationError extends TransientError {}

export interface PlaidClientOptions {
  /** Per-request timeout; a request that takes longer is a transient error. Default 30 s. */
  readonly timeoutMs?: number;
  /** Overrides of the shared retry policy (attempts, delays). `sleep` comes from the PlaidContext. */
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
}

/** Options the SDK passes through to axios for one request. */
export interface RequestOptions {
  readonly timeout: number;
  readonly signal?: AbortSignal;
}

export interface PlaidClient {
  /** The SDK itself, loaded on first use (tests and helpers that need a raw call). */
  sdk(): Promise<PlaidApi>;
  /** Runs one Plaid request with typed errors and bounded retries; `secrets` are cut out of any message. */
  call<T>(
    endpoint: string,
    request: (api: PlaidApi, options: RequestOptions) => Promise<{ readonly data: T }>,
    ctx: PlaidContext,
    secrets?: readonly string[],
  ): Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The app-level keys, or a ConfigError naming the missing settings. */
export function plaidKeys(settings: PlaidSettings): {
  readonly clientId: string;
  readonly secret: string;
} {
  const { clientId, secret } = settings;
  if (!clientId || !secret) {
    const missing = [clientId ? null : 'PLAID_CLIENT_ID', secret ? null : 'PLAID_SECRET'].filter(
      (s) => s !== null,
    );
    throw new ConfigError(
      missing[0] ?? 'PLAID_CLIENT_ID',
      `Plaid is not configured: set PLAID_CLIENT_ID and PLAID_SECRET (missing: ${missing.join(', ')}).`,
    );
  }
  return { clientId, secret };
}

export function createPlaidClient(settings: PlaidSettings, options: PlaidClientOptions = {}): PlaidClient {
  const { clientId, secret } = plaidKeys(settings);
  registerSecret(secret);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let api: PlaidApi | undefined;
  const sdk = async (): Promise<PlaidApi> => {
    // Loaded on first use: the plaid SDK costs ~80 MB of memory, which Stripe-only installs never pay.
    const { Configuration, PlaidApi } = await import('plaid');
    api ??= new PlaidApi(
      new Configuration({
        // The SDK appends "/endpoint" itself; a trailing slash would make "//endpoint".
        basePath: settings.baseUrl.replace(/\/+$/, ''),
        baseOptions: { headers: { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret }, timeout },
      }),
    );
    return api;
  };

  return {
    sdk,
    async call(endpoint, request, ctx, secrets = []) {
      const plaid = await sdk();
      const hidden = [secret, ...secrets];
      const requestOptions: RequestOptions = ctx.signal ? { timeout, signal: ctx.signal } : { timeout };
      const outcome = await withRetries(
        async () => {
          try {
            return { data: (await request(plaid, requestOptions)).data };
          } catch (error) {
            const mapped = mapPlaidError(error, endpoint, hidden, timeout);
            // Returned, not thrown, so withRetries does not resend a request that can only fail the same way.
            if (mapped instanceof PlaidMutationDuringPaginationError) return { restart: mapped };
            throw mapped;
          }
        },
        {
          ...DEFAULT_RETRY,
          ...options.retry,
          ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          onRetry: ({ attempt, delayMs, error }) =>
            ctx.log.warn('Plaid request failed, retrying', {
              endpoint,
              attempt,
              delayMs,
              errorClass: classify(error),
              error: error instanceof Error ? error.message : String(error),
            }),
        },
      );
      if ('restart' in outcome) throw outcome.restart;
      return outcome.data;
    },
  };
}

/** Plaid's error body (plaid.com/docs/errors), parsed at the edge. */
interface PlaidErrorBody {
  readonly error_type: string;
  readonly error_code: string;
  readonly error_message: string;
  readonly request_id?: string;
}

interface AxiosLikeError {
  readonly isAxiosError: true;
  readonly code?: string;
  readonly response?: { readonly status: number; readonly data: unknown; readonly headers?: unknown };
}

/** Codes that mean the keys, the token or the bank login are no longer good: a person must reconnect. */
const AUTH_CODES = new Set([
  'INVALID_API_KEYS',
  'INVALID_ACCESS_TOKEN',
  'INVALID_PUBLIC_TOKEN',
  'UNAUTHORIZED_ENVIRONMENT',
  'ITEM_LOGIN_REQUIRED',
  'INVALID_CREDENTIALS',
  'INVALID_MFA',
  'ITEM_LOCKED',
  'ITEM_NOT_FOUND',
  'USER_SETUP_REQUIRED',
  'PASSWORD_RESET_REQUIRED',
  'ACCESS_NOT_GRANTED',
  'USER_PERMISSION_REVOKED',
  'NO_ACCOUNTS',
]);
/** Plaid asks to try again later. */
const TRANSIENT_CODES = new Set(['PRODUCT_NOT_READY', 'INSTITUTION_DOWN', 'INSTITUTION_NOT_RESPONDING']);
const NETWORK_TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/** Maps whatever the SDK threw to one of our typed errors. Exported for tests. */
export function mapPlaidError(
  error: unknown,
  endpoint: string,
  secrets: readonly string[],
  timeoutMs: number,
): Error {
  if (error instanceof FinsyncError) return error;
  if (!isAxiosLike(error)) {
    return classify(error) === 'transient'
      ? new TransientError(`Plaid ${endpoint}: network error`)
      : toError(error);
  }
  const response = error.response;
  if (!response) {
    if (error.code === 'ERR_CANCELED') return new TransientError(`Plaid ${endpoint}: request cancelled`);
    if (error.code && NETWORK_TIMEOUT_CODES.has(error.code)) {
      return new TransientError(`Plaid ${endpoint}: no answer within ${timeoutMs} ms`);
    }
    return new TransientError(`Plaid ${endpoint}: network error (${error.code ?? 'no response'})`);
  }
  const body = parseErrorBody(response.data);
  const status = response.status;
  const detail = body
    ? `${clean(body.error_message, secrets)} (${body.error_code}${body.request_id ? `, request ${body.request_id}` : ''})`
    : `HTTP ${status}`;
  const message = `Plaid ${endpoint}: ${detail}`;
  const code = body?.error_code ?? '';
  if (code === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION')
    return new PlaidMutationDuringPaginationError(message);
  if (AUTH_CODES.has(code) || status === 401 || status === 403) return new AuthError(message);
  if (body?.error_type === 'RATE_LIMIT_EXCEEDED' || status === 429) {
    return new RateLimitError(message, retryAfterMs(response.headers));
  }
  if (
    TRANSIENT_CODES.has(code) ||
    body?.error_type === 'API_ERROR' ||
    body?.error_type === 'INSTITUTION_ERROR'
  ) {
    return new TransientError(message);
  }
  if (status >= 500 || status === 408 || status === 409) return new TransientError(message);
  return new InvalidRequestError(message);
}

function isAxiosLike(error: unknown): error is AxiosLikeError {
  return (
    typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
  );
}

function parseErrorBody(data: unknown): PlaidErrorBody | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d['error_code'] !== 'string' || typeof d['error_type'] !== 'string') return undefined;
  return {
    error_type: d['error_type'],
    error_code: d['error_code'],
    error_message: typeof d['error_message'] === 'string' ? d['error_message'] : '',
    ...(typeof d['request_id'] === 'string' ? { request_id: d['request_id'] } : {}),
  };
}

/** Plaid's token formats; a message that quotes one must not carry it into logs or Slack. */
const TOKEN_PATTERN = /\b(access|public|link|processor)-(sandbox|development|production)-[A-Za-z0-9-]+/g;

function clean(text: string, secrets: readonly string[]): string {
  let out = text.slice(0, 500);
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return redactText(out.replace(TOKEN_PATTERN, '[redacted]'));
}

function retryAfterMs(headers: unknown): number | undefined {
  const value = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  const seconds = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
