/**
 * Stripe list streams: one per list endpoint, read incrementally by creation time.
 *
 * Why the creation-time listing is correct (Stripe lists are newest first by `created`, and objects are never
 * back-dated):
 * 1. A run fixes its window at the start: `created[lte] = windowEnd` (now, whole seconds) and
 *    `created[gte] = since - overlap` (or `backfill_from`, or nothing on a first full load).
 * 2. It pages with `limit=100` and `starting_after = <last id of the previous page>`. With a fixed upper
 *    bound the listing is stable: an object created while we page has `created >= windowEnd`, so it sorts
 *    before everything we are about to read and cannot shift the rest of the listing. Stripe's cursor is
 *    an object id, not an offset, so nothing is skipped or repeated.
 * 3. Each page's cursor is `{ since, windowEnd, startingAfter }`: the engine stores the page, then the
 *    cursor, so after a crash the next read continues the very same listing right after the last stored
 *    page (at most the page in flight is read again; records are upserted by id).
 * 4. The last page's cursor is `{ since: windowEnd }`. The next run lists from `windowEnd - overlap`, so
 *    objects created in the boundary second (or up to `overlap` seconds late, e.g. clock skew between us
 *    and Stripe) are read again and de-duplicated by id instead of lost.
 * Changes to old objects (a payout paid, a balance transaction made available, a refund failed, a dispute
 * won) do not move `created`, so these listings never see them again: the `events` stream (events-stream.ts)
 * re-reads them. The connector runs it before these, so on a first sync whatever the listings read is at
 * least as new as where the events stream starts.
 */
import { TransientError } from '../../src/errors.ts';
import type { RecordDraft } from '../../src/records.ts';
import type { Page, Stream, StreamCursor } from '../types.ts';
import { type ListParams, type StripeApi, StripeCursorGoneError, type StripeListName } from './client.ts';
import {
  normalizeBalanceTransaction,
  normalizeCharge,
  normalizeCustomer,
  normalizePayout,
  normalizeRefund,
} from './normalize.ts';
import { normalizeDispute } from './normalize-dispute.ts';
import type { StripeContext, StripeSettings } from './settings.ts';

export const PAGE_LIMIT = 100;
export const OVERLAP_SECONDS = 300;

export const STREAM_NAMES: readonly StripeListName[] = [
  'balance_transactions',
  'charges',
  'refunds',
  'payouts',
  'customers',
  'disputes',
];

/** One Stripe object to its records (a balance transaction with a fee is two: see normalize.ts). */
export type Normalizer = (raw: unknown) => RecordDraft | readonly RecordDraft[];

export const NORMALIZERS: Readonly<Record<StripeListName, Normalizer>> = {
  balance_transactions: normalizeBalanceTransaction,
  charges: normalizeCharge,
  refunds: normalizeRefund,
  payouts: normalizePayout,
  customers: normalizeCustomer,
  disputes: normalizeDispute,
};

/** The resume state of one Stripe stream (JSON-serializable; absent fields are omitted). A type alias, not
 * an interface, so it is assignable to StreamCursor's index signature. */
export type StripeCursor = {
  /** Every object created before this second (epoch s) was stored by a completed run. */
  readonly since?: number;
  /** Present only inside a listing: its fixed upper bound and the last stored object's id. */
  readonly windowEnd?: number;
  readonly startingAfter?: string;
};

export interface StripeStreamOptions {
  /** A Stripe client for one run (bound to the run's sleep, signal and log). */
  readonly api: (ctx: StripeContext) => StripeApi;
  /** Epoch seconds: the first load starts here; absent reads everything. */
  readonly backfillFrom?: number;
  readonly now: () => number;
  readonly overlapSeconds?: number;
  readonly pageLimit?: number;
}

const isSecond = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Reads a stored cursor; unusable parts are dropped (a listing restarts, a missing `since` reloads). */
export function parseCursor(cursor: StreamCursor | null): StripeCursor {
  if (!cursor) return {};
  const since = isSecond(cursor.since) ? cursor.since : undefined;
  const windowEnd = isSecond(cursor.windowEnd) ? cursor.windowEnd : undefined;
  const startingAfter =
    typeof cursor.startingAfter === 'string' && cursor.startingAfter !== ''
      ? cursor.startingAfter
      : undefined;
  if (windowEnd === undefined || startingAfter === undefined) return since === undefined ? {} : { since };
  return since === undefined ? { windowEnd, startingAfter } : { since, windowEnd, startingAfter };
}

/** The listing's `created[gte]`: overlap before `since`, never before `backfill_from`. */
export function lowerBound(
  since: number | undefined,
  backfillFrom: number | undefined,
  overlap: number,
): number | undefined {
  if (since === undefined) return backfillFrom;
  return Math.max(since - overlap, backfillFrom ?? 0, 0);
}

export function idOf(raw: unknown): string | undefined {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** One position inside a fixed creation-time window of a list. */
export interface WindowState {
  readonly gte: number | undefined;
  readonly windowEnd: number;
  readonly startingAfter: string | undefined;
}

/**
 * Pages of one list's window `[gte, windowEnd]`, newest first; each page comes with the `startingAfter` to
 * resume after it, or undefined on the last page. Shared by the list streams and the events stream's re-read.
 */
export async function* readWindow(
  name: StripeListName,
  window: WindowState,
  api: StripeApi,
  ctx: StripeContext,
  limit: number,
): AsyncGenerator<{ readonly objects: readonly unknown[]; readonly startingAfter: string | undefined }> {
  const { gte, windowEnd } = window;
  let startingAfter = window.startingAfter;
  let relists = 0;
  for (;;) {
    const params: ListParams = {
      limit,
      created: gte === undefined ? { lte: windowEnd } : { gte, lte: windowEnd },
      ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
    };
    let page: Awaited<ReturnType<StripeApi['listPage']>>;
    try {
      page = await api.listPage(name, params);
    } catch (error) {
      // The object we resume after was deleted (customers can be): relist the same window from its top.
      // Already stored objects come again and are upserted; none is skipped.
      if (!(error instanceof StripeCursorGoneError) || startingAfter === undefined || ++relists > 3) {
        throw error;
      }
      ctx.log.warn('stripe resume object is gone, relisting the window', { stream: name });
      startingAfter = undefined;
      continue;
    }
    const lastId = idOf(page.data.at(-1));
    if (!page.hasMore || lastId === undefined) {
      if (page.hasMore) {
        throw new TransientError(`Stripe ${name} page says has_more but its last object has no id`);
      }
      yield { objects: page.data, startingAfter: undefined };
      return;
    }
    if (lastId === startingAfter) {
      throw new TransientError(`Stripe ${name} listing did not advance past ${lastId}`);
    }
    startingAfter = lastId;
    yield { objects: page.data, startingAfter: lastId };
  }
}

export async function* readStripeList(
  name: StripeListName,
  cursor: StreamCursor | null,
  ctx: StripeContext,
  options: StripeStreamOptions,
): AsyncGenerator<Page<unknown>> {
  const state = parseCursor(cursor);
  const windowEnd = state.windowEnd ?? Math.floor(options.now() / 1000);
  const gte = lowerBound(state.since, options.backfillFrom, options.overlapSeconds ?? OVERLAP_SECONDS);
  const withSince = (next: Omit<StripeCursor, 'since'>): StripeCursor =>
    state.since === undefined ? next : { since: state.since, ...next };
  const pages = readWindow(
    name,
    { gte, windowEnd, startingAfter: state.startingAfter },
    options.api(ctx),
    ctx,
    options.pageLimit ?? PAGE_LIMIT,
  );
  for await (const page of pages) {
    yield {
      objects: page.objects,
      cursor:
        page.startingAfter === undefined
          ? { since: windowEnd }
          : withSince({ windowEnd, startingAfter: page.startingAfter }),
    };
  }
}

/** The list streams (the connector puts the events stream, events-stream.ts, before them). */
export function stripeStreams(options: StripeStreamOptions): readonly Stream<unknown, StripeSettings>[] {
  return STREAM_NAMES.map((name) => ({
    name,
    primaryKey: 'id',
    read: (cursor, ctx) => readStripeList(name, cursor, ctx, options),
    normalize: NORMALIZERS[name],
    externalId: idOf,
  }));
}
