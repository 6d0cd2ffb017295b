/**
 * The Power BI REST API for one workspace, with `fetch`: bearer tokens from auth.ts, typed errors
 * (401/403 auth, 404 not found, 429 rate limit with Retry-After, 5xx and timeouts transient, other 4xx
 * invalid request with Power BI's message), bounded retries on the context's sleep, and row POSTs paced
 * per dataset (pacer.ts).
 *
 * Row POSTs are not idempotent, so a POST whose fate is unknown (timeout, dropped connection, 5xx) is not
 * simply sent again: first the dataset is asked whether rows with its batch id are there, and the POST is
 * repeated only if they are not. A 401 or 429 means the rows were refused, so those are retried directly.
 */
import {
  AuthError,
  ConfigError,
  InvalidRequestError,
  isFinsyncError,
  NotFoundError,
  RateLimitError,
  TransientError,
} from '../../src/errors.ts';
import { DEFAULT_RETRY, type RetryOptions, realSleep, type Sleep, withRetries } from '../../src/retry.ts';
import type { PublishTable } from '../destination.ts';

import { DEFAULT_TIMEOUT_MS, type PowerBiIdentity, TokenSource } from './auth.ts';
import type { PushPacer } from './pacer.ts';
import { batchCountQuery, type PowerBiRow, type TableDef } from './schema.ts';
import type { PowerBiContext } from './settings.ts';

export interface PowerBiApiOptions {
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal'>>;
  /** The pacer of a dataset; shared by every API object that pushes to it in this process. */
  readonly pacerFor: (datasetId: string) => PushPacer;
  readonly now?: () => number;
}

export interface DatasetInfo {
  readonly id: string;
  readonly name: string;
  readonly addRowsApiEnabled: boolean;
  readonly createdDate: string;
}

/** Power BI's message from an error body: `error.message`, else the DAX details, else the code. */
export function powerBiMessage(status: number, text: string, header: string | null): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  const pbi = error?.['pbi.error'] as { details?: { detail?: { value?: unknown } }[] } | undefined;
  const detail = pbi?.details?.map((d) => d.detail?.value).find((v) => typeof v === 'string');
  const message = [error?.message, detail, error?.code, header].find(
    (v) => typeof v === 'string' && v !== '',
  );
  return (typeof message === 'string' ? message : `HTTP ${status}`).slice(0, 500);
}

export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function httpError(status: number, message: string, retryAfter: number | undefined): Error {
  if (status === 401 || status === 403)
    return new AuthError(`Power BI refused access (${status}): ${message}`);
  if (status === 404) return new NotFoundError(`Power BI: ${message}`);
  if (status === 429) return new RateLimitError(`Power BI rate limit: ${message}`, retryAfter);
  if (status >= 500 || status === 409) return new TransientError(`Power BI error ${status}: ${message}`);
  return new InvalidRequestError(`Power BI refused the request (${status}): ${message}`);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TransientError(`Power BI answered ${what} with an unexpected shape`);
  }
  return value as Record<string, unknown>;
}

function listValue(body: unknown, what: string): Record<string, unknown>[] {
  const value = record(body, what).value;
  if (!Array.isArray(value)) throw new TransientError(`Power BI answered ${what} without a value list`);
  return value.map((item) => record(item, what));
}

export class PowerBiApi {
  private readonly tokens: TokenSource;
  private readonly base: string;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(
    identity: PowerBiIdentity,
    groupId: string,
    private readonly ctx: PowerBiContext,
    private readonly options: PowerBiApiOptions,
  ) {
    const { settings } = ctx;
    let api: URL;
    try {
      api = new URL(settings.apiBase);
    } catch {
      throw new ConfigError('POWERBI_API_BASE', `POWERBI_API_BASE "${settings.apiBase}" is not a URL`);
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.tokens = new TokenSource(identity, settings, {
      timeoutMs: this.timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    this.base = `${api.origin}${api.pathname.replace(/\/$/, '')}/v1.0/myorg/groups/${encodeURIComponent(groupId)}`;
    this.now = options.now ?? Date.now;
    this.sleep = ctx.sleep ?? realSleep;
    this.retry = {
      ...DEFAULT_RETRY,
      ...options.retry,
      sleep: this.sleep,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRetry: ({ attempt, delayMs, error }) =>
        ctx.log.warn('power bi request failed, retrying', {
          attempt,
          delayMs,
          error: error instanceof Error ? error.message : String(error),
        }),
    };
  }

  /** A bearer token (verify uses it to prove the credentials before reading the workspace). */
  token(): Promise<string> {
    return withRetries(() => this.tokens.token(), this.retry);
  }

  /** The workspace itself: proves the app is a member of it. */
  async getGroup(): Promise<{ readonly id: string; readonly name: string }> {
    const body = record(await this.call('GET', ''), 'the workspace');
    if (typeof body.id !== 'string' || typeof body.name !== 'string') {
      throw new TransientError('Power BI answered the workspace request without an id and name');
    }
    return { id: body.id, name: body.name };
  }

  /** `retry: false` when the caller already retries (no nested retry loops). */
  async listDatasets(retry = true): Promise<DatasetInfo[]> {
    const body = retry ? await this.call('GET', '/datasets') : await this.send('GET', '/datasets');
    return listValue(body, 'the dataset list').flatMap((d) =>
      typeof d.id === 'string' && typeof d.name === 'string'
        ? [
            {
              id: d.id,
              name: d.name,
              addRowsApiEnabled: d.addRowsAPIEnabled === true,
              createdDate: typeof d.CreatedDate === 'string' ? d.CreatedDate : '',
            },
          ]
        : [],
    );
  }

  /** One attempt only: a retry after an unknown outcome could create a second dataset (prepare re-lists). */
  async createDataset(name: string, tables: readonly TableDef[]): Promise<string> {
    const body = record(
      await this.send('POST', '/datasets?defaultRetentionPolicy=None', { name, defaultMode: 'Push', tables }),
      'dataset creation',
    );
    if (typeof body.id !== 'string') throw new TransientError('Power BI created a dataset but sent no id');
    return body.id;
  }

  async listTables(datasetId: string): Promise<string[]> {
    return listValue(
      await this.call('GET', `/datasets/${encodeURIComponent(datasetId)}/tables`),
      'the table list',
    )
      .map((t) => t.name)
      .filter((name): name is string => typeof name === 'string');
  }

  /**
   * Runs one `EVALUATE ROW("name", ...)` query and returns its single row by name (blank counts are 0).
   * Needs the tenant setting "Dataset Execute Queries REST API" and the app's Build permission on the dataset.
   */
  async queryRow(datasetId: string, query: string): Promise<Record<string, number>> {
    const body = record(
      await this.call('POST', `/datasets/${encodeURIComponent(datasetId)}/executeQueries`, {
        queries: [{ query }],
        serializerSettings: { includeNulls: true },
      }),
      'a query',
    );
    const results = body.results as { tables?: { rows?: unknown[] }[] }[] | undefined;
    const row = record(results?.[0]?.tables?.[0]?.rows?.[0] ?? {}, 'a query');
    const out: Record<string, number> = {};
    for (const [key, value] of Object.entries(row)) {
      out[key.replace(/^.*\[(.*)\]$/, '$1')] = typeof value === 'number' ? value : 0;
    }
    return out;
  }

  async batchRows(datasetId: string, table: PublishTable, batchId: string): Promise<number> {
    return (await this.queryRow(datasetId, batchCountQuery(table, batchId))).rows ?? 0;
  }

  /** Pushes one batch (≤ 10,000 rows) exactly once, paced, waiting out 429s and checking unknown outcomes. */
  async postRows(
    datasetId: string,
    table: PublishTable,
    rows: readonly PowerBiRow[],
    batchId: string,
  ): Promise<void> {
    const pacer = this.options.pacerFor(datasetId);
    const path = `/datasets/${encodeURIComponent(datasetId)}/tables/${encodeURIComponent(table)}/rows`;
    let uncertain = false;
    await withRetries(async () => {
      if (uncertain) {
        if ((await this.batchRows(datasetId, table, batchId)) > 0) return;
        uncertain = false;
      }
      try {
        const wait = { sleep: this.sleep, ...(this.ctx.signal ? { signal: this.ctx.signal } : {}) };
        await pacer.run(table, rows.length, () => this.send('POST', path, { rows }), wait);
      } catch (error) {
        if (error instanceof RateLimitError) pacer.holdUntil(this.now() + (error.retryAfterMs ?? 1_000));
        else if (error instanceof TransientError) uncertain = true;
        throw error;
      }
    }, this.retry);
  }

  /** Runs `operation` with this API's retry policy (dataset creation, which must look before it retries). */
  retrying<T>(operation: () => Promise<T>): Promise<T> {
    return withRetries(operation, this.retry);
  }

  /** A request that is safe to repeat, with retries. */
  private call(method: string, path: string, body?: unknown): Promise<unknown> {
    return withRetries(() => this.send(method, path, body), this.retry);
  }

  /** One request; a 401 gets one fresh token (the cached one may have been revoked or have expired). */
  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    if (this.ctx.signal?.aborted) throw new TransientError('Power BI request cancelled');
    const payload = body === undefined ? null : JSON.stringify(body);
    let response = await this.fetchOnce(method, path, payload, await this.tokens.token());
    if (response.status === 401) {
      await response.body?.cancel();
      response = await this.fetchOnce(method, path, payload, await this.tokens.token(true));
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new TransientError(
        `Power BI connection dropped: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!response.ok) {
      const message = powerBiMessage(response.status, text, response.headers.get('x-powerbi-error-info'));
      throw httpError(
        response.status,
        message,
        retryAfterMs(response.headers.get('retry-after'), this.now()),
      );
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new TransientError(`Power BI sent an unreadable response (${response.status})`);
    }
  }

  private async fetchOnce(
    method: string,
    path: string,
    payload: string | null,
    token: string,
  ): Promise<Response> {
    const timer = AbortSignal.timeout(this.timeoutMs);
    const signal = this.ctx.signal ? AbortSignal.any([timer, this.ctx.signal]) : timer;
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(payload === null ? {} : { 'Content-Type': 'application/json' }),
        },
        body: payload,
        signal,
      });
    } catch (error) {
      if (isFinsyncError(error)) throw error;
      const reason = timer.aborted
        ? `no answer within ${this.timeoutMs} ms`
        : error instanceof Error
          ? error.message
          : String(error);
      throw new TransientError(`Power BI unreachable: ${reason}`);
    }
  }
}
