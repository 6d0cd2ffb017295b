/**
 * node-quickbooks, configured per ../shared/NOTES.md (static URLs from settings set right before `new`,
 * OAuth '2.0', never `setOauthVersion`, which fetches Intuit's live discovery document), behind promises that
 * speak our typed errors. Every call goes through the realm's limiter (10 in flight, 500/min), waits out a 429
 * for 60 s with the injected sleep, refreshes once on a rejected access token, and retries transient failures
 * with `withRetries`. Answers are checked at the edge: nothing downstream trusts the SDK's `any`.
 */
import m, { type QueryCriteria } from 'node-quickbooks';
import { AuthError, RateLimitError, TransientError } from '../../src/errors.ts';
import { DEFAULT_RETRY, type RetryOptions, realSleep, type Sleep, withRetries } from '../../src/retry.ts';

import { mapQuickBooksError, QuickBooksTokenRejectedError, THROTTLE_WAIT_MS } from './faults.ts';
import { type LimiterOptions, limiterFor, type RealmLimiter } from './limiter.ts';
import { type QuickBooksSettings, quickbooksSettings, revokeUrl } from './oauth.ts';
import type { QuickBooksContext } from './settings.ts';
import type { TokenManager } from './tokens.ts';

// Under nodenext the default import of this CommonJS package is typed as its module namespace.
const QuickBooks = m as unknown as typeof m.default;
type Sdk = InstanceType<typeof QuickBooks>;
type Callback = (err: unknown, data?: unknown) => void;

export const QUERY_ENTITIES = ['Customer', 'Invoice', 'Payment'] as const;
export type QueryEntity = (typeof QUERY_ENTITIES)[number];
export type QuickBooksObject = Readonly<Record<string, unknown>>;

export interface QueryRequest {
  readonly entity: QueryEntity;
  /** Conditions after WHERE, in Intuit's query language. */
  readonly where?: string;
  readonly orderBy?: string;
  /** 1-based. */
  readonly start: number;
  /** ≤ 1000. */
  readonly max: number;
}

export interface QueryPage {
  readonly objects: readonly QuickBooksObject[];
  /** Intuit's server time of the answer (ISO UTC), when it sent one. */
  readonly time: string | null;
}

export interface CdcChanges {
  readonly changed: readonly QuickBooksObject[];
  readonly deletedIds: readonly string[];
}

export interface CdcResult {
  readonly changes: ReadonlyMap<QueryEntity, CdcChanges>;
  readonly time: string | null;
}

export interface QuickBooksClientOptions {
  /** Per request; longer is a TransientError (and retried). Default 30 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
  /** 429 pauses waited out before the RateLimitError goes to the engine. Default 3. */
  readonly maxThrottleWaits?: number;
  readonly limits?: LimiterOptions;
  /** Replaces the process-wide limiter of the realm (tests). */
  readonly limiter?: RealmLimiter;
  /** node-quickbooks' default, 75, is the oldest minor version Intuit still serves (it retired 1–74 in 2025). */
  readonly minorVersion?: number;
}

export class QuickBooksClient {
  private readonly qb: QuickBooksSettings;
  private readonly limiter: RealmLimiter;
  private readonly sleep: Sleep;

  constructor(
    private readonly tokens: TokenManager,
    private readonly ctx: QuickBooksContext,
    private readonly options: QuickBooksClientOptions = {},
  ) {
    this.qb = quickbooksSettings(ctx.settings);
    this.limiter = options.limiter ?? limiterFor(this.qb.apiBase, tokens.realmId, options.limits);
    this.sleep = ctx.sleep ?? realSleep;
  }

  async query(request: QueryRequest): Promise<QueryPage> {
    const clauses = [
      request.where ? `WHERE ${request.where}` : '',
      request.orderBy ? `ORDERBY ${request.orderBy}` : '',
      `STARTPOSITION ${request.start} MAXRESULTS ${request.max}`,
    ].filter((c) => c !== '');
    // The SDK's finders append a criteria string verbatim ("select * from invoice <criteria>"); its types
    // only admit the object form.
    const criteria = clauses.join(' ') as unknown as QueryCriteria;
    const body = await this.call(`query ${request.entity}`, (sdk, cb) =>
      finder(sdk, request.entity)(criteria, cb),
    );
    const data = asObject(body);
    if (!('QueryResponse' in data)) {
      throw new TransientError(`QuickBooks query ${request.entity}: no QueryResponse`);
    }
    const response = asObject(data['QueryResponse']);
    const key = Object.keys(response).find((k) => k.toLowerCase() === request.entity.toLowerCase());
    const list = key ? response[key] : [];
    return { objects: Array.isArray(list) ? list.map(asObject) : [], time: serverTime(data['time']) };
  }

  async cdc(entities: readonly QueryEntity[], since: Date): Promise<CdcResult> {
    const body = await this.call(`cdc ${entities.join(',')}`, (sdk, cb) =>
      sdk.changeDataCapture([...entities], since.toISOString(), cb),
    );
    const data = asObject(body);
    const cdc = data['CDCResponse'];
    if (!Array.isArray(cdc)) throw new TransientError('QuickBooks cdc: the answer has no CDCResponse');
    const changes = new Map<QueryEntity, { changed: QuickBooksObject[]; deletedIds: string[] }>();
    for (const entity of entities) changes.set(entity, { changed: [], deletedIds: [] });
    for (const part of cdc) {
      const responses = asObject(part)['QueryResponse'];
      for (const response of Array.isArray(responses) ? responses : []) {
        for (const [key, list] of Object.entries(asObject(response))) {
          const entity = entities.find((e) => e.toLowerCase() === key.toLowerCase());
          if (!entity || !Array.isArray(list)) continue;
          const bucket = changes.get(entity)!;
          for (const item of list.map(asObject)) {
            if (item['status'] === 'Deleted' && typeof item['Id'] === 'string')
              bucket.deletedIds.push(item['Id']);
            else bucket.changed.push(item);
          }
        }
      }
    }
    return { changes, time: serverTime(data['time']) };
  }

  /** The company's name and country, from CompanyInfo. */
  async companyInfo(): Promise<{ readonly companyName: string; readonly country: string | null }> {
    const realmId = this.tokens.realmId;
    const info = asObject(await this.call('read CompanyInfo', (sdk, cb) => sdk.getCompanyInfo(realmId, cb)));
    const name = info['CompanyName'];
    if (typeof name !== 'string') throw new TransientError('QuickBooks CompanyInfo has no CompanyName');
    return { companyName: name, country: typeof info['Country'] === 'string' ? info['Country'] : null };
  }

  /** The home currency, from Preferences (CompanyInfo carries none). */
  async homeCurrency(): Promise<string | null> {
    const prefs = asObject(await this.call('read Preferences', (sdk, cb) => sdk.getPreferences(cb)));
    const value = asObject(asObject(prefs['CurrencyPrefs'])['HomeCurrency'])['value'];
    return typeof value === 'string' && value !== '' ? value : null;
  }

  private async call(what: string, run: (sdk: Sdk, cb: Callback) => void): Promise<unknown> {
    const { ctx } = this;
    const maxWaits = this.options.maxThrottleWaits ?? 3;
    const outcome = await withRetries(
      async () => {
        for (let waits = 0; ; waits++) {
          try {
            return { data: await this.attempt(what, run) };
          } catch (error) {
            if (!(error instanceof RateLimitError)) throw error;
            // Returned, not thrown: withRetries would wait again on top of the shared pause.
            if (waits >= maxWaits) return { throttled: error };
            ctx.log.warn('QuickBooks throttled the company; pausing its requests', {
              what,
              waitMs: error.retryAfterMs,
            });
            await this.limiter.throttled(error.retryAfterMs ?? THROTTLE_WAIT_MS, this.sleep, ctx.signal);
          }
        }
      },
      {
        ...DEFAULT_RETRY,
        ...this.options.retry,
        sleep: this.sleep,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          ctx.log.warn('QuickBooks request failed, retrying', {
            what,
            attempt,
            delayMs,
            error: error instanceof Error ? error.message : String(error),
          }),
      },
    );
    if ('throttled' in outcome) throw outcome.throttled;
    return outcome.data;
  }

  /** One request; a rejected access token is refreshed (or replaced by a newer one) and the request sent again once. */
  private async attempt(what: string, run: (sdk: Sdk, cb: Callback) => void): Promise<unknown> {
    const token = await this.tokens.accessToken(this.ctx);
    try {
      return await this.send(what, run, token);
    } catch (error) {
      if (!(error instanceof QuickBooksTokenRejectedError)) throw error;
    }
    const next = await this.tokens.rejected(token, this.ctx);
    try {
      return await this.send(what, run, next);
    } catch (error) {
      if (error instanceof QuickBooksTokenRejectedError) {
        throw new AuthError(`${error.message} (also after refreshing the access token)`);
      }
      throw error;
    }
  }

  private async send(what: string, run: (sdk: Sdk, cb: Callback) => void, token: string): Promise<unknown> {
    const release = await this.limiter.acquire(this.sleep, this.ctx.signal);
    try {
      return await this.invoke(what, run, token);
    } finally {
      release();
    }
  }

  private invoke(what: string, run: (sdk: Sdk, cb: Callback) => void, token: string): Promise<unknown> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const signal = this.ctx.signal;
    const sdk = this.sdk(token);
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (outcome: { error: unknown } | { data: unknown }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.data);
      };
      // The SDK sets no timeout; an unanswered request is abandoned here (its socket closes on its own).
      const timer = setTimeout(
        () => finish({ error: new TransientError(`QuickBooks ${what}: no answer within ${timeoutMs} ms`) }),
        timeoutMs,
      );
      const onAbort = () => finish({ error: signal?.reason });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        run(sdk, (err, data) => finish(err ? { error: mapQuickBooksError(err, what) } : { data }));
      } catch (error) {
        finish({ error: mapQuickBooksError(error, what) });
      }
    });
  }

  private sdk(token: string): Sdk {
    const { qb } = this;
    // The constructor copies V3_ENDPOINT_BASE_URL into the instance; the token URLs are read from the statics.
    QuickBooks.V3_ENDPOINT_BASE_URL = `${qb.apiBase.replace(/\/+$/, '')}/v3/company/`;
    QuickBooks.TOKEN_URL = qb.tokenUrl;
    QuickBooks.REVOKE_URL = revokeUrl(qb.tokenUrl);
    // useSandbox=true keeps the endpoint verbatim (false strips "sandbox-" from it); no refresh token is given:
    // refreshing is tokens.ts's job, which saves the rotated token before use.
    const minor = String(this.options.minorVersion ?? 75);
    return new QuickBooks(
      qb.clientId,
      qb.clientSecret,
      token,
      false,
      this.tokens.realmId,
      true,
      false,
      minor,
      '2.0',
      null,
    );
  }
}

function finder(sdk: Sdk, entity: QueryEntity): (criteria: QueryCriteria, cb: Callback) => void {
  if (entity === 'Customer') return (criteria, cb) => sdk.findCustomers(criteria, cb);
  if (entity === 'Invoice') return (criteria, cb) => sdk.findInvoices(criteria, cb);
  return (criteria, cb) => sdk.findPayments(criteria, cb);
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Intuit's `time` ("2015-09-10T13:53:18.893-07:00") as ISO UTC, or null. */
export function serverTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
