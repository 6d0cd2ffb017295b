/**
 * Sage Accounting v3.1 over plain `fetch` (Sage publishes no Node SDK that can reach another host): every call
 * carries the bearer token and `X-Business`, reads its body with the exact JSON reader (numbers stay text),
 * maps Sage's error array to typed errors (faults.ts), refreshes once on a refused access token, and retries
 * transient failures and 429s (waiting what `Retry-After` says) with `withRetries`.
 */
import { AuthError, TransientError } from '../../src/errors.ts';
import { DEFAULT_RETRY, type RetryOptions, realSleep, withRetries } from '../../src/retry.ts';
import { integerOf, parseExactJson } from './exact-json.ts';
import { mapSageError, SageTokenRejectedError } from './faults.ts';
import type { SageContext } from './settings.ts';

export type SageObject = Readonly<Record<string, unknown>>;

/** Issues access tokens (SageTokens, or a fixed one for the business listing at connect). */
export interface AccessTokens {
  accessToken(ctx: SageContext): Promise<string>;
  rejected(token: string, ctx: SageContext): Promise<string>;
}

export interface SageListPage {
  readonly items: readonly SageObject[];
  /** Sage's `$next`: the path of the next page, or null on the last. */
  readonly next: string | null;
  readonly total: number | null;
}

export interface SageClientOptions {
  /** Per request; longer is a TransientError (and retried). Default 30 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
}

export class SageClient {
  constructor(
    private readonly tokens: AccessTokens,
    /** The business every call is for (X-Business); null only for `GET /businesses`. */
    private readonly businessId: string | null,
    private readonly ctx: SageContext,
    private readonly options: SageClientOptions = {},
  ) {}

  /**
   * Every page of a list, in order, following `$next`. Each next page is asked for as soon as the current
   * page's text has arrived, before it is parsed: Sage writes its paging keys (`$total`, `$page`, `$next`)
   * ahead of `$items`, so the link is read from the envelope's head (nextFromHead), and Sage prepares that
   * page while this one is parsed and stored. The link read early is only a hint: the parsed page's `$next`
   * decides, and a different one is asked for afresh. At most one page is asked for ahead of the one the
   * caller waits for, and only once the caller waits for it, so a slow consumer never makes the read run
   * ahead. A failure of the page asked for early surfaces when the caller reaches that page.
   */
  async *pages(path: string, params?: Readonly<Record<string, string>>): AsyncGenerator<SageListPage> {
    let entry = this.ahead(path, params);
    for (;;) {
      entry.wanted = true;
      if (entry.hint && !entry.next) entry.next = this.ahead(entry.hint);
      const page = await entry.page;
      yield page;
      if (page.next === null) return;
      entry = entry.next?.link === page.next ? entry.next : this.ahead(page.next);
    }
  }

  /** Asks for one page; once wanted, its text's `$next` asks for the following one at once (see `pages`). */
  private ahead(link: string, params?: Readonly<Record<string, string>>): AheadPage {
    const entry: AheadPage = {
      link,
      wanted: false,
      hint: null,
      next: null,
      page: this.list(link, params, (hint) => {
        entry.hint ??= hint;
        if (entry.wanted && entry.hint && !entry.next) entry.next = this.ahead(entry.hint);
      }),
    };
    // Observed now, awaited when the caller reaches it: a failure meanwhile is not "unhandled".
    entry.page.catch(() => undefined);
    return entry;
  }

  /**
   * One list page: `path` with `params`, or a `$next` link as Sage gave it. `onHead` hears the `$next` its text
   * shows ahead of `$items`, before the page is parsed. Lists are read through `pages`.
   */
  private async list(
    pathOrNext: string,
    params?: Readonly<Record<string, string>>,
    onHead?: (next: string | null) => void,
  ): Promise<SageListPage> {
    const body = await this.get(pathOrNext, params, onHead);
    if (typeof body !== 'object' || body === null || !Array.isArray((body as SageObject)['$items']))
      throw new TransientError(`Sage answered ${pathOrNext.split('?')[0]} without an $items list`);
    const envelope = body as SageObject;
    const next = envelope['$next'];
    return {
      items: (envelope['$items'] as unknown[]).filter(isObject),
      next: typeof next === 'string' && next !== '' ? next : null,
      total: integerOf(envelope['$total']),
    };
  }

  /** One object (`GET /financial_settings`). */
  async object(path: string): Promise<SageObject> {
    const body = await this.get(path);
    if (!isObject(body)) throw new TransientError(`Sage answered ${path} without an object`);
    return body;
  }

  private async get(
    pathOrNext: string,
    params?: Readonly<Record<string, string>>,
    onHead?: (next: string | null) => void,
  ): Promise<unknown> {
    const url = this.url(pathOrNext, params);
    const what = `GET ${url.pathname}`;
    return withRetries(() => this.attempt(url, what, onHead), {
      ...DEFAULT_RETRY,
      ...this.options.retry,
      sleep: this.ctx.sleep ?? realSleep,
      ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
      onRetry: ({ attempt, delayMs, error }) =>
        this.ctx.log.warn('Sage request failed, retrying', {
          what,
          attempt,
          delayMs,
          error: error instanceof Error ? error.message : String(error),
        }),
    });
  }

  /** `$next` is a path relative to the API base in Sage's answers ("/contact_payments?page=2&…"), or absolute. */
  private url(pathOrNext: string, params?: Readonly<Record<string, string>>): URL {
    const base = this.ctx.settings.apiBase;
    const url = /^https?:\/\//.test(pathOrNext)
      ? new URL(pathOrNext)
      : new URL(`${base}${pathOrNext.startsWith('/') ? '' : '/'}${pathOrNext}`);
    if (!url.href.startsWith(base))
      throw new TransientError('Sage gave a $next link outside its API base; refusing to follow it');
    for (const [key, value] of Object.entries(params ?? {})) url.searchParams.set(key, value);
    return url;
  }

  /** One request; a refused access token is refreshed (or replaced by a newer one) and the request sent once more. */
  private async attempt(url: URL, what: string, onHead?: (next: string | null) => void): Promise<unknown> {
    const token = await this.tokens.accessToken(this.ctx);
    try {
      return await this.send(url, what, token, onHead);
    } catch (error) {
      if (!(error instanceof SageTokenRejectedError)) throw error;
    }
    const next = await this.tokens.rejected(token, this.ctx);
    try {
      return await this.send(url, what, next, onHead);
    } catch (error) {
      if (error instanceof SageTokenRejectedError)
        throw new AuthError(`${error.message} (also after refreshing the access token)`);
      throw error;
    }
  }

  private async send(
    url: URL,
    what: string,
    token: string,
    onHead?: (next: string | null) => void,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const signal = this.ctx.signal ? AbortSignal.any([this.ctx.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${token}`,
          ...(this.businessId ? { 'X-Business': this.businessId } : {}),
        },
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (this.ctx.signal?.aborted) throw error;
      throw new TransientError(`Sage did not answer ${what} (${url.host})`);
    }
    if (response.ok) {
      if (onHead) {
        const next = nextFromHead(text);
        if (next !== undefined) onHead(next);
      }
      return parseExactJson(text);
    }
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    throw mapSageError(response.status, body, response.headers.get('retry-after'), what);
  }
}

interface AheadPage {
  readonly link: string;
  readonly page: Promise<SageListPage>;
  /** Whether the caller waits for this page (only then may the page after it be asked for). */
  wanted: boolean;
  /** The `$next` its text showed ahead of `$items`, once it arrived. */
  hint: string | null;
  /** The page asked for from `hint`. */
  next: AheadPage | null;
}

/** `$next` between a list answer's opening and its `$items` key (a JSON string literal: escapes decoded). */
const HEAD_NEXT = /^\s*\{[\s\S]*?"\$next"\s*:\s*(null|"(?:[^"\\]|\\.)*")/;

/**
 * The `$next` a list answer's text shows ahead of `$items` (Sage writes `$total`, `$page`, `$next`, `$back`,
 * `$items_per_page`, then `$items`): a link, null on the last page, or undefined when the head does not show it.
 * Read without parsing the page, and only a hint: `pages` trusts the parsed `$next`.
 */
export function nextFromHead(text: string): string | null | undefined {
  const items = text.indexOf('"$items"');
  if (items < 0) return undefined;
  const match = HEAD_NEXT.exec(text.slice(0, items));
  if (!match) return undefined;
  try {
    const next = JSON.parse(match[1]!) as unknown;
    return typeof next === 'string' && next !== '' ? next : null;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is SageObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
