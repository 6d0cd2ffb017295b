/**
 * The `events` stream: re-reads Stripe objects that changed after they were created, which the creation-time
 * listings (streams.ts) never see again: a balance transaction pending → available, a payout in_transit →
 * paid or failed, a refund pending → failed, a dispute opened, reviewed, won or lost, a customer renamed.
 *
 * It serves installations with and without webhooks alike. Its cursor is the last Stripe event processed;
 * each run lists `GET /v1/events` (filtered to EVENT_TYPES) since then and re-fetches the object each event
 * is about, so a record is always upserted with the object as it is *now*: events that arrive twice, late or
 * out of order (Stripe promises no order) can never move a status backwards, and the objects come in our
 * pinned API version rather than the one the event was rendered in. A verified webhook only queues a sync
 * (webhook-route.ts); the event it announces is in `/v1/events` already and is handled here, by the
 * engine, under the connection's one-run lease, with records stored before the cursor advances.
 *
 * Listing (Stripe lists events newest first): a run lists `created[gte] = since - overlap` with no upper
 * time bound; the first event of its first page (`top`) anchors the listing, and later pages follow with
 * `starting_after`, so events created while we page sort above `top` and shift nothing. Each page's cursor
 * is `{ since, top, topCreated, startingAfter }` (resume inside the listing after a crash); the last page's
 * is `{ since: max(topCreated, now - overlap) }`. Events in the overlap are processed again: the re-fetched
 * object is stored unchanged, so the change log and the run counts see each change once.
 *
 * Balance transactions have no events of their own: Stripe announces `balance.available` when pending funds
 * become available. A page holding one re-reads the balance transactions created in the last
 * PENDING_HORIZON_SECONDS (once per run), and stores them under the previous cursor before the page's own.
 *
 * On a connection's first sync (ctx.firstSync: no stream has a cursor yet) there is nothing to catch up on:
 * the list streams of the same run read every object as it is now, so the stream just starts from now.
 *
 * Stripe keeps events for 30 days only. When the cursor is older than EVENTS_TRUSTED_SECONDS (a day of margin),
 * or there is no cursor yet on a connection synced before this stream existed, the events in
 * between may be gone, so instead of trusting them the stream re-reads every object that may still have
 * changed: the balance transactions, charges, refunds, payouts and disputes created from NON_FINAL_SECONDS
 * before the cursor (or before now) up to now, by creation-time window. Objects older than that are taken to
 * be final (funds available, payouts settled, refunds settled, disputes decided). Then it continues from the
 * events created after the re-read began. Customers are not re-read (they have no status): a rename older
 * than 30 days is not seen.
 *
 * Records keep the id and `stream` of the list stream that owns the object (`stripe:payouts:po_…`), so an
 * update here overwrites the record the list stream stored.
 */
import { InvalidDataError, TransientError } from '../../src/errors.ts';
import type { Page, Stream, StreamCursor } from '../types.ts';
import {
  isStripeObjectName,
  type StripeApi,
  StripeCursorGoneError,
  type StripeObjectName,
} from './client.ts';
import {
  type EventsCursor,
  isId,
  isSecond,
  parseEventsCursor,
  RESCAN_LISTS,
  rescan,
  type State,
} from './events-cursor.ts';

export { type EventsCursor, parseEventsCursor, RESCAN_LISTS };

import type { StripeContext, StripeSettings } from './settings.ts';
import {
  idOf,
  NORMALIZERS,
  type Normalizer,
  OVERLAP_SECONDS,
  PAGE_LIMIT,
  readWindow,
  type StripeStreamOptions,
} from './streams.ts';

const DAY = 86_400;

/**
 * Exact event names listed (Stripe's `types[]` takes at most 20 and no wildcards): the changes to objects
 * already stored. Creations (charge.pending, payout.created, customer.created…) are read by the list streams;
 * `charge.refunded` changes only the charge's `amount_refunded`, which no record holds (the refund and its
 * balance transaction are new objects the lists read).
 */
export const EVENT_TYPES: readonly string[] = [
  'balance.available',
  'charge.captured',
  'charge.expired',
  'charge.failed',
  'charge.succeeded',
  'charge.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'charge.refund.updated',
  'refund.updated',
  'refund.failed',
  'customer.updated',
  'customer.deleted',
  'payout.updated',
  'payout.paid',
  'payout.failed',
  'payout.canceled',
];

/** How long Stripe keeps events. */
export const EVENT_RETENTION_SECONDS = 30 * DAY;
/** A cursor older than this is not trusted to find every event since (a day's margin before Stripe forgets). */
export const EVENTS_TRUSTED_SECONDS = EVENT_RETENTION_SECONDS - DAY;
/**
 * How long after creation an object may still change status, for the re-read when events were lost: a charge's
 * funds are held at most 30 days before they become available (Stripe's longest standard payout delay is 14),
 * a payout can fail a few business days after it was paid, a refund settles within 30 days, and a card network
 * decides a dispute within about 75 days. Objects created earlier than this are treated as final.
 */
export const NON_FINAL_SECONDS = 90 * DAY;
/** How long a balance transaction may stay pending: what a `balance.available` event makes us re-read. */
export const PENDING_HORIZON_SECONDS = 35 * DAY;

const NORMALIZER_BY_OBJECT: Readonly<Record<StripeObjectName, Normalizer>> = {
  balance_transaction: NORMALIZERS.balance_transactions,
  charge: NORMALIZERS.charges,
  refund: NORMALIZERS.refunds,
  payout: NORMALIZERS.payouts,
  customer: NORMALIZERS.customers,
  dispute: NORMALIZERS.disputes,
};

interface ParsedEvent {
  readonly id: string;
  readonly created: number;
  readonly type: string;
  /** `data.object` as the event showed it. */
  readonly object: Readonly<Record<string, unknown>> | null;
}

function parseEvent(raw: unknown): ParsedEvent | null {
  const event = raw as {
    id?: unknown;
    created?: unknown;
    type?: unknown;
    data?: { object?: unknown };
  } | null;
  if (!event || !isId(event.id) || !isSecond(event.created) || typeof event.type !== 'string') return null;
  const object = event.data?.object;
  return {
    id: event.id,
    created: event.created,
    type: event.type,
    object:
      object && typeof object === 'object' && !Array.isArray(object)
        ? (object as Readonly<Record<string, unknown>>)
        : null,
  };
}

/** The object an event is about, when it is one finsync stores. */
function targetOf(event: ParsedEvent): { object: StripeObjectName; id: string } | null {
  const object = event.object?.object;
  const id = event.object?.id;
  return isStripeObjectName(object) && isId(id) ? { object, id } : null;
}

export function normalizeStripeObject(raw: unknown): ReturnType<Normalizer> {
  const object = raw && typeof raw === 'object' ? (raw as { object?: unknown }).object : undefined;
  if (!isStripeObjectName(object)) {
    throw new InvalidDataError(
      `Stripe object of type ${String(object).slice(0, 40)} is not synced`,
      idOf(raw),
    );
  }
  return NORMALIZER_BY_OBJECT[object](raw);
}

export async function* readStripeEvents(
  cursor: StreamCursor | null,
  ctx: StripeContext,
  options: StripeStreamOptions,
): AsyncGenerator<Page<unknown>> {
  const api = options.api(ctx);
  const limit = options.pageLimit ?? PAGE_LIMIT;
  const overlap = options.overlapSeconds ?? OVERLAP_SECONDS;
  const nowSeconds = Math.floor(options.now() / 1000);
  const floor = options.backfillFrom ?? 0;
  const state = parseEventsCursor(cursor);
  if (state.mode === 'rescan') {
    yield* rescan(api, ctx, limit, state);
    return;
  }
  if (state.mode === 'fresh' && ctx.firstSync) {
    // A new connection: the list streams of this same run read every object as it is now, so there is
    // nothing to catch up on; follow events from here.
    yield { objects: [], cursor: { since: nowSeconds } };
    return;
  }
  if (state.mode === 'fresh' || nowSeconds - state.since > EVENTS_TRUSTED_SECONDS) {
    // No events to trust for the time before now: re-read what may still change (see the header).
    const start = state.mode === 'fresh' ? nowSeconds : state.since;
    if (state.mode === 'events') {
      ctx.log.warn(
        'stripe events cursor is older than Stripe keeps events; re-reading objects that may have changed',
        {
          since: new Date(state.since * 1000).toISOString(),
        },
      );
    }
    yield* rescan(api, ctx, limit, {
      mode: 'rescan',
      list: 0,
      from: Math.max(start - NON_FINAL_SECONDS, floor, 0),
      end: nowSeconds,
      after: undefined,
    });
    return;
  }
  yield* followEvents(api, ctx, { limit, overlap, nowSeconds, floor }, state);
}

async function* followEvents(
  api: StripeApi,
  ctx: StripeContext,
  run: { limit: number; overlap: number; nowSeconds: number; floor: number },
  state: Extract<State, { mode: 'events' }>,
): AsyncGenerator<Page<unknown>> {
  const gte = Math.max(state.since - run.overlap, 0);
  let top = state.top;
  let topCreated = state.topCreated;
  let startingAfter = state.startingAfter;
  /** The position already committed: what a page stored ahead of its own cursor is stored under. */
  let committed: EventsCursor =
    top === undefined ? { since: state.since } : { since: state.since, top, topCreated, startingAfter };
  let balanceReread = false;
  let relists = 0;
  for (;;) {
    let page: Awaited<ReturnType<StripeApi['listEvents']>>;
    try {
      page = await api.listEvents({
        limit: run.limit,
        types: EVENT_TYPES,
        created: { gte },
        ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
      });
    } catch (error) {
      // The event we resume after is gone (it aged out while we were away): list again from the newest.
      if (!(error instanceof StripeCursorGoneError) || startingAfter === undefined || ++relists > 3)
        throw error;
      ctx.log.warn('stripe resume event is gone, relisting events', { since: state.since });
      startingAfter = undefined;
      top = undefined;
      topCreated = undefined;
      continue;
    }
    const events = page.data.map(parseEvent);
    const newest = events[0];
    if (top === undefined || topCreated === undefined) {
      top = newest?.id;
      topCreated = newest?.created;
    }
    const lastId = idOf(page.data.at(-1));
    const done = !page.hasMore || lastId === undefined;
    if (!done && lastId === startingAfter) {
      throw new TransientError(`Stripe events listing did not advance past ${lastId}`);
    }
    if (page.hasMore && lastId === undefined) {
      throw new TransientError('Stripe events page says has_more but its last event has no id');
    }
    const next: EventsCursor = done
      ? { since: Math.max(state.since, topCreated ?? 0, run.nowSeconds - run.overlap) }
      : { since: state.since, top, topCreated, startingAfter: lastId };
    const valid = events.filter((e): e is ParsedEvent => e !== null);
    if (!balanceReread && valid.some((e) => e.type.startsWith('balance.'))) {
      balanceReread = true;
      const window = {
        gte: Math.max(run.nowSeconds - PENDING_HORIZON_SECONDS, run.floor, 0),
        windowEnd: run.nowSeconds,
        startingAfter: undefined,
      };
      for await (const bt of readWindow('balance_transactions', window, api, ctx, run.limit)) {
        yield { objects: bt.objects, cursor: committed };
      }
    }
    yield { objects: await refetch(api, ctx, valid, run), cursor: next };
    if (done) return;
    committed = next;
    startingAfter = lastId;
  }
}

/** Each object the events are about, once, as Stripe has it now. */
async function refetch(
  api: StripeApi,
  ctx: StripeContext,
  events: readonly ParsedEvent[],
  run: { readonly overlap: number; readonly floor: number },
): Promise<unknown[]> {
  const { floor } = run;
  const wanted = new Map<string, { object: StripeObjectName; id: string; shown: ParsedEvent['object'] }>();
  for (const event of events) {
    const created = event.object?.created;
    // An event within half the overlap of its object's creation (charge.succeeded, charge.dispute.created…)
    // needs no request: the object's list stream lists it again in every run until its window is more than
    // `overlap` past the object's creation, so its last listing reads it after this change.
    if (isSecond(created) && event.created - created <= run.overlap / 2) continue;
    const target = targetOf(event);
    const key = target && `${target.object}:${target.id}`;
    if (target && key && !wanted.has(key)) wanted.set(key, { ...target, shown: event.object });
  }
  const objects: unknown[] = [];
  for (const { object, id, shown } of wanted.values()) {
    const current = (await api.retrieve(object, id)) as Readonly<Record<string, unknown>> | null;
    if (current === null) {
      ctx.log.debug('stripe object named by an event no longer exists', { object, id });
      continue;
    }
    // Stripe answers a deleted customer with its id only: keep what the event showed, marked deleted.
    const found = current.deleted === true ? (shown ? { ...shown, deleted: true } : null) : current;
    // Objects created before `backfill_from` stay out of the ledger, as the list streams leave them.
    if (found && !(isSecond(found.created) && found.created < floor)) objects.push(found);
  }
  return objects;
}

export function stripeEventsStream(options: StripeStreamOptions): Stream<unknown, StripeSettings> {
  return {
    name: 'events',
    primaryKey: 'id',
    read: (cursor, ctx) => readStripeEvents(cursor, ctx, options),
    normalize: normalizeStripeObject,
    externalId: idOf,
  };
}
