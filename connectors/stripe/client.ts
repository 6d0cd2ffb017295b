/**
 * The official Stripe SDK, pointed at `settings.apiBase` (STRIPE_API_BASE), behind a small surface that speaks our
 * typed errors and retries. The SDK's own retries are switched off (`maxNetworkRetries: 0`) because they
 * sleep on a real timer and ignore `Retry-After`; ours (src/retry.ts) use the injected `ctx.sleep`, honour
 * `Retry-After` and stop after a bounded number of tries.
 */
import Stripe from 'stripe';
import {
  AuthError,
  ConfigError,
  InvalidRequestError,
  isFinsyncError,
  RateLimitError,
  TransientError,
} from '../../src/errors.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from '../../src/retry.ts';
import type { StripeContext } from './settings.ts';

export type StripeListName =
  | 'balance_transactions'
  | 'charges'
  | 'refunds'
  | 'payouts'
  | 'customers'
  | 'disputes';

/** Stripe `object` names finsync can re-read one at a time (GET /v1/<list>/<id>). */
export type StripeObjectName =
  | 'balance_transaction'
  | 'charge'
  | 'refund'
  | 'payout'
  | 'customer'
  | 'dispute';

export interface ListParams {
  readonly limit: number;
  readonly created?: { readonly gte?: number; readonly lte?: number };
  readonly starting_after?: string;
}

/** GET /v1/events: newest first; `types` are exact event names (at most 20). */
export interface EventListParams {
  readonly limit: number;
  readonly created?: { readonly gte?: number };
  readonly starting_after?: string;
  readonly types?: readonly string[];
}

export interface ListPage {
  readonly data: readonly unknown[];
  readonly hasMore: boolean;
}

export interface StripeApiOptions {
  /** Per-request timeout; a request that takes longer fails with TransientError (and is retried). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal'>>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

const LISTERS: Readonly<Record<StripeListName, (sdk: Stripe, params: ListParams) => Promise<unknown>>> = {
  balance_transactions: (sdk, params) => sdk.balanceTransactions.list(params),
  charges: (sdk, params) => sdk.charges.list(params),
  refunds: (sdk, params) => sdk.refunds.list(params),
  payouts: (sdk, params) => sdk.payouts.list(params),
  customers: (sdk, params) => sdk.customers.list(params),
  disputes: (sdk, params) => sdk.disputes.list(params),
};

const RETRIEVERS: Readonly<Record<StripeObjectName, (sdk: Stripe, id: string) => Promise<unknown>>> = {
  balance_transaction: (sdk, id) => sdk.balanceTransactions.retrieve(id),
  charge: (sdk, id) => sdk.charges.retrieve(id),
  refund: (sdk, id) => sdk.refunds.retrieve(id),
  payout: (sdk, id) => sdk.payouts.retrieve(id),
  customer: (sdk, id) => sdk.customers.retrieve(id),
  dispute: (sdk, id) => sdk.disputes.retrieve(id),
};

export function isStripeObjectName(value: unknown): value is StripeObjectName {
  return typeof value === 'string' && Object.hasOwn(RETRIEVERS, value);
}

/** The object a listing resumes after no longer exists (Stripe: resource_missing on `starting_after`). */
export class StripeCursorGoneError extends InvalidRequestError {}

/** Builds the SDK client; `apiBase` is an origin such as https://api.stripe.com or http://127.0.0.1:12111. */
export function createStripeSdk(apiKey: string, apiBase: string, timeoutMs = DEFAULT_TIMEOUT_MS): Stripe {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new ConfigError('STRIPE_API_BASE', `STRIPE_API_BASE "${apiBase}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('STRIPE_API_BASE', 'STRIPE_API_BASE must start with http:// or https://');
  }
  // The SDK puts its own /v1/... paths on the host: a base path would be silently dropped.
  if (url.pathname !== '/' || url.search !== '') {
    throw new ConfigError('STRIPE_API_BASE', 'STRIPE_API_BASE must be an origin without a path');
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(apiKey, {
    host: url.hostname,
    port: url.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 0,
    timeout: timeoutMs,
    telemetry: false,
  });
}

/** Removes any unmasked API key from a message (Stripe itself shows only the last four characters). */
export function redactKeys(message: string, apiKey?: string): string {
  let text = apiKey && apiKey.length > 0 ? message.split(apiKey).join('[redacted key]') : message;
  text = text.replace(/\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]{8,}/g, '[redacted key]');
  return text;
}

function retryAfterMs(headers: Readonly<Record<string, string>> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Stripe SDK errors to our typed errors, by class (never by message text). */
export function mapStripeError(error: unknown, apiKey?: string): Error {
  if (isFinsyncError(error)) return error;
  const E = Stripe.errors;
  if (!(error instanceof E.StripeError)) return error instanceof Error ? error : new Error(String(error));
  const reason = redactKeys(error.message, apiKey);
  if (error instanceof E.StripeAuthenticationError || error instanceof E.StripePermissionError) {
    return new AuthError(reason);
  }
  if (error instanceof E.StripeRateLimitError) {
    return new RateLimitError(`Stripe rate limit: ${reason}`, retryAfterMs(error.headers));
  }
  if (error instanceof E.StripeConnectionError) {
    return new TransientError(`Stripe connection failed: ${reason}`);
  }
  if (error instanceof E.StripeIdempotencyError) {
    return new TransientError(`Stripe idempotency conflict: ${reason}`);
  }
  if (
    error instanceof E.StripeInvalidRequestError &&
    error.code === 'resource_missing' &&
    error.param === 'starting_after'
  ) {
    return new StripeCursorGoneError(`Stripe: ${reason}`);
  }
  const status = error.statusCode;
  if (status === undefined) {
    // Raised by the SDK itself, e.g. "Invalid JSON received from the Stripe API": a garbled answer.
    return new TransientError(`Stripe sent an unreadable response: ${reason}`);
  }
  if (status >= 500 || status === 409) return new TransientError(`Stripe error ${status}: ${reason}`);
  return new InvalidRequestError(`Stripe refused the request (${status}): ${reason}`);
}

/** Checks the list envelope at the edge, so nothing downstream trusts an unexpected shape. */
export function parseListPage(value: unknown): ListPage {
  const page = value as { object?: unknown; data?: unknown; has_more?: unknown } | null;
  if (page?.object !== 'list' || !Array.isArray(page.data) || typeof page.has_more !== 'boolean') {
    throw new TransientError('Stripe answered a list request with something that is not a list');
  }
  return { data: page.data, hasMore: page.has_more };
}

/** One API key's view of Stripe: typed errors, bounded retries with the context's sleep. */
export class StripeApi {
  private readonly sdk: Stripe;
  private readonly retry: RetryOptions;

  constructor(
    private readonly apiKey: string,
    private readonly ctx: StripeContext,
    options: StripeApiOptions = {},
  ) {
    this.sdk = createStripeSdk(apiKey, ctx.settings.apiBase, options.timeoutMs);
    this.retry = {
      ...DEFAULT_RETRY,
      ...options.retry,
      ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRetry: ({ attempt, delayMs, error }) =>
        ctx.log.warn('stripe request failed, retrying', {
          attempt,
          delayMs,
          error: error instanceof Error ? error.message : String(error),
        }),
    };
  }

  /** Runs one SDK call with error mapping and retries; every attempt is a fresh request. */
  async call<T>(operation: (sdk: Stripe) => Promise<T>): Promise<T> {
    return withRetries(async () => {
      if (this.ctx.signal?.aborted) throw new TransientError('Stripe request cancelled');
      try {
        return await operation(this.sdk);
      } catch (error) {
        throw mapStripeError(error, this.apiKey);
      }
    }, this.retry);
  }

  listPage(list: StripeListName, params: ListParams): Promise<ListPage> {
    return this.call(async (sdk) => parseListPage(await LISTERS[list](sdk, params)));
  }

  listEvents(params: EventListParams): Promise<ListPage> {
    return this.call(async (sdk) =>
      parseListPage(
        await sdk.events.list({
          limit: params.limit,
          ...(params.created ? { created: { ...params.created } } : {}),
          ...(params.starting_after === undefined ? {} : { starting_after: params.starting_after }),
          ...(params.types ? { types: [...params.types] } : {}),
        }),
      ),
    );
  }

  /**
   * One object as it is now, or null when Stripe no longer has it (404 resource_missing). A deleted customer
   * is answered as Stripe answers it: `{ id, object: 'customer', deleted: true }`.
   */
  retrieve(object: StripeObjectName, id: string): Promise<unknown> {
    return this.call(async (sdk) => {
      try {
        const found: unknown = await RETRIEVERS[object](sdk, id);
        if (found === null || typeof found !== 'object' || Array.isArray(found)) {
          throw new TransientError(
            `Stripe answered GET ${object} ${id} with something that is not an object`,
          );
        }
        return found;
      } catch (error) {
        if (
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          error.statusCode === 404 &&
          error.code === 'resource_missing'
        ) {
          return null;
        }
        throw error;
      }
    });
  }

  async retrieveBalance(): Promise<{ livemode: boolean }> {
    const balance = await this.call((sdk) => sdk.balance.retrieve());
    return { livemode: balance.livemode === true };
  }

  /** The balance's available and pending amounts per currency, in Stripe's own scale and lower-case codes. */
  async balanceAmounts(): Promise<{ kind: 'available' | 'pending'; currency: string; amount: number }[]> {
    const balance = await this.call((sdk) => sdk.balance.retrieve());
    return (['available', 'pending'] as const).flatMap((kind) =>
      (balance[kind] ?? []).map((entry) => ({ kind, currency: entry.currency, amount: entry.amount })),
    );
  }

  /** The account's id and display name; null when the key may not read it (restricted keys usually cannot). */
  async retrieveAccount(): Promise<{ id: string; name: string | null } | null> {
    try {
      const account = await this.call((sdk) => sdk.accounts.retrieveCurrent());
      const name = account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? null;
      return typeof account.id === 'string' ? { id: account.id, name } : null;
    } catch (error) {
      if (error instanceof AuthError || error instanceof InvalidRequestError) return null;
      throw error;
    }
  }
}
