/**
 * QuickBooks streams: customers, invoices, payments.
 *
 * - Initial load (no cursor): `SELECT * FROM <Entity> ORDERBY Id STARTPOSITION n MAXRESULTS 1000` page by
 *   page. Positions shift if the data changes mid-load, so only the last page carries a cursor: a load cut
 *   short starts over (records are upserted, nothing duplicates). The cursor is `{ since }`, Intuit's server
 *   time of the first page: whatever changed after it is picked up by the next incremental read.
 * - Incremental: Change Data Capture since the cursor minus a 5-minute overlap (late commits, clock skew),
 *   which also reports deleted entities (→ `removedIds`). CDC reaches back 30 days at most, and answers at
 *   most 1000 objects per entity; beyond either, the stream reads `MetaData.LastUpdatedTime >= since` by query.
 *   A query cannot see deletions: deletions older than CDC's window are not detected (QuickBooks rarely
 *   deletes transactions; voiding, which zeroes them, is seen as an update).
 * - Customers are queried with `Active IN (true, false)`: QuickBooks omits inactive ones otherwise, and
 *   "deleting" a customer in QuickBooks makes it inactive.
 */
import type { RecordDraft } from '../../src/records.ts';
import type { CredentialSession, Credentials, Page, Stream, StreamCursor } from '../types.ts';
import {
  type QueryEntity,
  QuickBooksClient,
  type QuickBooksClientOptions,
  type QuickBooksObject,
} from './client.ts';
import { normalizeCustomer, normalizeInvoice, normalizePayment } from './normalize.ts';
import type { QuickBooksAppSettings, QuickBooksContext } from './settings.ts';
import { TokenManager } from './tokens.ts';

export const PAGE_SIZE = 1000;
export const CDC_OVERLAP_MS = 5 * 60_000;
/** Intuit's CDC accepts changedSince up to 30 days back; a day of margin keeps us clear of its edge. */
export const CDC_WINDOW_MS = 29 * 86_400_000;
export const CDC_MAX_PER_ENTITY = 1000;

export interface QuickBooksStreamOptions extends QuickBooksClientOptions {
  /** Local clock (ms): token expiry and the CDC window. */
  readonly now?: () => number;
  readonly refreshEarlyMs?: number;
  readonly pageSize?: number;
}

interface StreamDef {
  readonly name: string;
  readonly entity: QueryEntity;
  readonly normalize: (raw: QuickBooksObject, homeCurrency?: string) => RecordDraft;
}

const DEFS: readonly StreamDef[] = [
  { name: 'customers', entity: 'Customer', normalize: (raw) => normalizeCustomer(raw) },
  { name: 'invoices', entity: 'Invoice', normalize: normalizeInvoice },
  { name: 'payments', entity: 'Payment', normalize: normalizePayment },
];

export const STREAM_NAMES = DEFS.map((d) => d.name);

/** The streams of one connection; they share one TokenManager, so a refresh happens once for all of them. */
export function quickbooksStreams(
  credentials: Credentials,
  session: CredentialSession | undefined,
  options: QuickBooksStreamOptions = {},
): readonly Stream<QuickBooksObject, QuickBooksAppSettings>[] {
  let tokens: TokenManager | undefined;
  // Created on first read, so that unusable credentials fail the read (an AuthError) rather than the listing.
  const manager = () => {
    tokens ??= new TokenManager({
      credentials,
      ...(session ? { session } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.refreshEarlyMs === undefined ? {} : { refreshEarlyMs: options.refreshEarlyMs }),
    });
    return tokens;
  };
  const homeCurrency = credentials['home_currency'] || undefined;
  return DEFS.map((def) => ({
    name: def.name,
    primaryKey: 'Id',
    read: (cursor, ctx) =>
      readStream(def, cursor, ctx, new QuickBooksClient(manager(), ctx, options), options),
    normalize: (raw) => def.normalize(raw, homeCurrency),
    externalId: (raw) => (typeof raw['Id'] === 'string' ? raw['Id'] : undefined),
  }));
}

async function* readStream(
  def: StreamDef,
  cursor: StreamCursor | null,
  ctx: QuickBooksContext,
  client: QuickBooksClient,
  options: QuickBooksStreamOptions,
): AsyncGenerator<Page<QuickBooksObject>> {
  const now = options.now ?? Date.now;
  const since = sinceOf(cursor, ctx);
  if (since === null) {
    yield* queryPages(def, client, null, null, options);
    return;
  }
  const from = new Date(Math.max(0, since - CDC_OVERLAP_MS));
  if (now() - from.getTime() > CDC_WINDOW_MS) {
    ctx.log.info('QuickBooks cursor is older than the CDC window; reading changes by LastUpdatedTime', {
      stream: def.name,
      since: from.toISOString(),
    });
    yield* queryPages(def, client, from, null, options);
    return;
  }
  const startedAt = new Date(now()).toISOString();
  const result = await client.cdc([def.entity], from);
  const changes = result.changes.get(def.entity) ?? { changed: [], deletedIds: [] };
  const next: StreamCursor = { since: result.time ?? startedAt };
  if (changes.changed.length + changes.deletedIds.length >= CDC_MAX_PER_ENTITY) {
    ctx.log.info('QuickBooks CDC answer is at its 1000-object cap; reading the changes by query', {
      stream: def.name,
    });
    if (changes.deletedIds.length > 0) yield { objects: [], removedIds: changes.deletedIds };
    yield* queryPages(def, client, from, next, options);
    return;
  }
  yield { objects: changes.changed, removedIds: changes.deletedIds, cursor: next };
}

/** Query pages (all, or changed since `updatedFrom`); only the last carries the cursor. */
async function* queryPages(
  def: StreamDef,
  client: QuickBooksClient,
  updatedFrom: Date | null,
  finalCursor: StreamCursor | null,
  options: QuickBooksStreamOptions,
): AsyncGenerator<Page<QuickBooksObject>> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const conditions = [
    def.entity === 'Customer' ? 'Active IN (true, false)' : null,
    updatedFrom ? `MetaData.LastUpdatedTime >= '${intuitLiteral(updatedFrom)}'` : null,
  ].filter((c) => c !== null);
  const startedAt = new Date((options.now ?? Date.now)()).toISOString();
  let since: string | null = null;
  for (let start = 1; ; start += pageSize) {
    const page = await client.query({
      entity: def.entity,
      ...(conditions.length > 0 ? { where: conditions.join(' AND ') } : {}),
      orderBy: 'Id',
      start,
      max: pageSize,
    });
    since ??= page.time ?? startedAt;
    if (page.objects.length < pageSize) {
      yield { objects: page.objects, cursor: finalCursor ?? { since } };
      return;
    }
    yield { objects: page.objects };
  }
}

/** Intuit's query literal for an instant, in its documented offset form (whole seconds, rounded down). */
function intuitLiteral(at: Date): string {
  return `${at.toISOString().slice(0, 19)}+00:00`;
}

function sinceOf(cursor: StreamCursor | null, ctx: QuickBooksContext): number | null {
  if (cursor === null) return null;
  const value = cursor['since'];
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isNaN(ms)) return ms;
  // Reading everything again is safe (records are upserted by id); only slower.
  ctx.log.warn('QuickBooks cursor is unreadable; loading the stream from the start');
  return null;
}
