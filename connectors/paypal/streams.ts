/**
 * The `transactions` stream: `GET /v1/reporting/transactions` window by window (windows.ts), oldest first.
 *
 * Balance-affecting or not. PayPal's rows carry no flag saying whether they moved the balance; the only
 * documented way to know is the query parameter `balance_affecting_records_only` (default `Y`, which hides the
 * rest). Each window is therefore read with `N` (every row) and then with `Y` (the balance-affecting ones):
 * rows of the `Y` answer are money; rows of the `N` answer left over once each `Y` row has claimed its copy
 * (same transaction id, event code and gross) are non-money records. `N` is read first so that a row that
 * appears between the two reads is found in `Y` (money) and never mistaken for a non-money one.
 *
 * A window PayPal refuses with `400 RESULTSET_TOO_LARGE` (more than 10,000 rows) is halved and read again
 * (down to one second). Windows after the first are sized from the rows the last one held (WindowPlanner), so a
 * busy account is read in windows of about 2,000 rows rather than up to 10,000. The next window is fetched while
 * the current one is stored. Each window's rows (newest version of each id, by `transaction_updated_date`) go out
 * in pages of 500; its last page carries the cursor `{ until: window end, pendingFrom }`, so a crash resumes
 * at the last committed window, re-reading the overlap before it; records are upserted by id, nothing doubles.
 */
import type { Page, Stream, StreamCursor } from '../types.ts';
import type { PayPalApi } from './client.ts';
import { paypalInstantMs } from './dates.ts';
import { ResultSetTooLargeError } from './faults.ts';
import { externalIdOf, hasFeeRecord, normalizeRow, type PayPalRow, STREAM, versionOf } from './normalize.ts';
import type { PayPalContext, PayPalSettings } from './settings.ts';
import { type PayPalCursor, parseCursor, planRead, type Window, WindowPlanner } from './windows.ts';
import type { PayPalTransactionDetail } from './wire.ts';

/** PayPal's largest `page_size`. */
export const PAGE_SIZE = 500;

export interface PayPalStreamOptions {
  /** A client for one run (bound to the run's sleep, signal and log). */
  readonly api: (ctx: PayPalContext) => PayPalApi;
  readonly now: () => number;
  /** Epoch ms: where a first sync starts (the connect form's "History from"); default three years back. */
  readonly historyFrom?: number;
  readonly overlapMs?: number;
  readonly windowMs?: number;
  readonly pageSize?: number;
}

export function paypalTransactionsStream(options: PayPalStreamOptions): Stream<PayPalRow, PayPalSettings> {
  return {
    name: STREAM,
    primaryKey: 'transaction_id',
    read: (cursor, ctx) => readTransactions(cursor, ctx, options),
    normalize: normalizeRow,
    externalId: (raw) => {
      const id = raw?.detail?.transaction_info?.transaction_id;
      return typeof id === 'string' ? id : undefined;
    },
  };
}

async function* readTransactions(
  cursor: StreamCursor | null,
  ctx: PayPalContext,
  options: PayPalStreamOptions,
): AsyncGenerator<Page<PayPalRow>> {
  const api = options.api(ctx);
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const plan = planRead(parseCursor(cursor), options.now(), {
    ...(options.historyFrom === undefined ? {} : { historyFrom: options.historyFrom }),
    ...(options.overlapMs === undefined ? {} : { overlapMs: options.overlapMs }),
  });
  if (plan.pendingGivenUp) {
    ctx.log.warn('PayPal: a row pending for over 31 days is no longer re-read; its last status stays');
  }
  let pendingFrom: number | undefined;
  const windows = new WindowPlanner(plan.startMs, plan.endMs, options.windowMs);
  // The next window is fetched while the engine stores this one's pages: fetching and storing overlap.
  const fetchWindow = (window: Window): Promise<Fetched> =>
    readWindow(api, window, pageSize).then(
      (rows) => ({ ok: true, rows }),
      (error: unknown) => ({ ok: false, error }),
    );
  let window = windows.next();
  let fetched = window ? fetchWindow(window) : undefined;
  while (window && fetched) {
    const result = await fetched;
    if (!result.ok) {
      if (!(result.error instanceof ResultSetTooLargeError) || !windows.refused(window)) throw result.error;
      ctx.log.info('PayPal window holds too many rows; reading it in two halves', {
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
      });
      window = windows.next();
      fetched = window ? fetchWindow(window) : undefined;
      continue;
    }
    const rows = result.rows;
    windows.held(window, rows.length);
    const next = windows.next();
    const nextFetched = next ? fetchWindow(next) : undefined;
    for (const row of rows) {
      if (row.detail.transaction_info.transaction_status?.toUpperCase() !== 'P') continue;
      const at = paypalInstantMs(row.detail.transaction_info.transaction_initiation_date);
      if (at !== undefined) pendingFrom = Math.min(pendingFrom ?? at, at);
    }
    const cursor: PayPalCursor = { until: window.end, ...(pendingFrom === undefined ? {} : { pendingFrom }) };
    if (rows.length === 0) yield { objects: [], cursor };
    for (let i = 0; i < rows.length; i += pageSize) {
      const last = i + pageSize >= rows.length;
      const objects = rows.slice(i, i + pageSize);
      const removedIds = staleFeeIds(objects);
      yield { objects, ...(removedIds.length > 0 ? { removedIds } : {}), ...(last ? { cursor } : {}) };
    }
    window = next;
    fetched = nextFetched;
  }
}

/**
 * The fee record ids of rows that now have none: an earlier version's fee (stored when the row was read with
 * one) must not stay counted once PayPal shows the row without it, denied, or not balance-affecting. Removing
 * an id that was never stored changes nothing.
 */
export function staleFeeIds(rows: readonly PayPalRow[]): string[] {
  const ids: string[] = [];
  for (const row of rows) {
    if (hasFeeRecord(row)) continue;
    try {
      ids.push(`${externalIdOf(row)}:fee`);
    } catch {
      // A row without ids is refused by normalize, with its reason.
    }
  }
  return ids;
}

type Fetched =
  | { readonly ok: true; readonly rows: PayPalRow[] }
  | { readonly ok: false; readonly error: unknown };

/** Reads of one query tried again when the listing changed under them, before going on with the last one. */
export const MAX_LISTING_ATTEMPTS = 3;

/**
 * Every page of one query over the window. Pages are offsets (`page`, `page_size`): a row that appears
 * while they are read (PayPal shows rows up to three hours late) shifts the rest, so one row can come twice
 * and another not at all. A twice-read balance-affecting row would be left unclaimed by the `Y` read and
 * stored as a wrong non-money record, so a listing whose `total_items` changes between its pages (or that
 * ends with another count than it announced) is read again. A row missed that way appears in the next run,
 * whose overlap re-reads the window.
 */
async function readAll(
  api: PayPalApi,
  window: Window,
  balanceAffectingOnly: boolean,
  pageSize: number,
): Promise<PayPalTransactionDetail[]> {
  let rows: PayPalTransactionDetail[] = [];
  for (let attempt = 1; attempt <= MAX_LISTING_ATTEMPTS; attempt++) {
    rows = [];
    let announced: number | undefined;
    let stable = true;
    for (let page = 1; ; page++) {
      const answer = await api.search({
        startMs: window.start,
        endMs: window.end,
        balanceAffectingOnly,
        page,
        pageSize,
      });
      rows.push(...answer.transaction_details);
      if (page === 1) announced = answer.total_items;
      else if (answer.total_items !== announced) stable = false;
      const done =
        answer.total_pages === undefined
          ? answer.transaction_details.length < pageSize
          : page >= answer.total_pages || answer.transaction_details.length === 0;
      if (done) break;
    }
    if (stable && (announced === undefined || announced === rows.length)) return rows;
  }
  return rows;
}

/** What lets a balance-affecting row claim its copy among every row: id, event code and gross. */
function copyKey(detail: PayPalTransactionDetail): string {
  const info = detail.transaction_info;
  return [
    info.transaction_id,
    info.transaction_event_code?.toUpperCase(),
    info.transaction_amount?.currency_code,
    info.transaction_amount?.value,
  ].join('|');
}

export async function readWindow(api: PayPalApi, window: Window, pageSize: number): Promise<PayPalRow[]> {
  const every = await readAll(api, window, false, pageSize);
  const balance = await readAll(api, window, true, pageSize);
  return classifyRows(every, balance);
}

/** `every` (an `N` read) and `balance` (the `Y` read of the same window) → rows flagged, newest version each. */
export function classifyRows(
  every: readonly PayPalTransactionDetail[],
  balance: readonly PayPalTransactionDetail[],
): PayPalRow[] {
  const unclaimed = new Map<string, number>();
  for (const detail of balance) {
    const key = copyKey(detail);
    unclaimed.set(key, (unclaimed.get(key) ?? 0) + 1);
  }
  const rows: PayPalRow[] = balance.map((detail) => ({ detail, balanceAffecting: true }));
  for (const detail of every) {
    const key = copyKey(detail);
    const left = unclaimed.get(key) ?? 0;
    if (left > 0) unclaimed.set(key, left - 1);
    else rows.push({ detail, balanceAffecting: false });
  }
  return newestVersions(rows);
}

/** One row per external id: the latest `transaction_updated_date` wins; rows without ids pass (normalize refuses them). */
export function newestVersions(rows: readonly PayPalRow[]): PayPalRow[] {
  const byId = new Map<string, PayPalRow>();
  const unnamed: PayPalRow[] = [];
  for (const row of rows) {
    let id: string;
    try {
      id = externalIdOf(row);
    } catch {
      unnamed.push(row);
      continue;
    }
    const seen = byId.get(id);
    if (!seen || versionOf(row) >= versionOf(seen)) byId.set(id, row);
  }
  return [...byId.values(), ...unnamed];
}
