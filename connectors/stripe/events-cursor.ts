/**
 * The events stream's resume state (events-stream.ts), and its fallback re-read: when Stripe may have
 * forgotten events (a cursor older than its 30-day retention, or none yet), the objects that may still change
 * are re-read by creation-time windows of RESCAN_LISTS, resumably, before the stream follows events again.
 */
import type { Page, StreamCursor } from '../types.ts';
import type { StripeApi, StripeListName } from './client.ts';
import type { StripeContext } from './settings.ts';
import { readWindow } from './streams.ts';

/** The lists re-read when events may have been lost (every object with a status that changes). */
export const RESCAN_LISTS: readonly StripeListName[] = [
  'balance_transactions',
  'charges',
  'refunds',
  'payouts',
  'disputes',
];

/** The events stream's resume state (flat, JSON-serializable). */
export type EventsCursor = {
  /** Every event created before `since - overlap` has been processed. */
  readonly since?: number;
  /** Inside a listing: its newest event (id and created) and the last event stored. */
  readonly top?: string;
  readonly topCreated?: number;
  readonly startingAfter?: string;
  /** Inside a re-read: the list (index into RESCAN_LISTS), its window, the last object stored. */
  readonly rescanList?: number;
  readonly rescanFrom?: number;
  readonly rescanEnd?: number;
  readonly rescanAfter?: string;
};

export type State =
  | { readonly mode: 'fresh' }
  | {
      readonly mode: 'events';
      readonly since: number;
      readonly top?: string;
      readonly topCreated?: number;
      readonly startingAfter?: string;
    }
  | {
      readonly mode: 'rescan';
      readonly list: number;
      readonly from: number;
      readonly end: number;
      readonly after: string | undefined;
    };

export const isSecond = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
export const isId = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Reads a stored cursor; an unusable one starts afresh (which re-reads, never skips). */
export function parseEventsCursor(cursor: StreamCursor | null): State {
  if (!cursor) return { mode: 'fresh' };
  const { rescanList, rescanFrom, rescanEnd, rescanAfter } = cursor;
  if (
    isSecond(rescanList) &&
    rescanList < RESCAN_LISTS.length &&
    isSecond(rescanFrom) &&
    isSecond(rescanEnd)
  ) {
    return {
      mode: 'rescan',
      list: rescanList,
      from: rescanFrom,
      end: rescanEnd,
      after: isId(rescanAfter) ? rescanAfter : undefined,
    };
  }
  if (!isSecond(cursor.since)) return { mode: 'fresh' };
  if (isId(cursor.top) && isSecond(cursor.topCreated) && isId(cursor.startingAfter)) {
    return {
      mode: 'events',
      since: cursor.since,
      top: cursor.top,
      topCreated: cursor.topCreated,
      startingAfter: cursor.startingAfter,
    };
  }
  return { mode: 'events', since: cursor.since };
}

/** Creation-time windows of RESCAN_LISTS, one after the other; ends with `{ since: end }`. */
export async function* rescan(
  api: StripeApi,
  ctx: StripeContext,
  limit: number,
  state: Extract<State, { mode: 'rescan' }>,
): AsyncGenerator<Page<unknown>> {
  const at = (list: number, after: string | undefined): EventsCursor => ({
    rescanList: list,
    rescanFrom: state.from,
    rescanEnd: state.end,
    ...(after === undefined ? {} : { rescanAfter: after }),
  });
  for (let list = state.list; list < RESCAN_LISTS.length; list++) {
    const name = RESCAN_LISTS[list]!;
    const window = {
      gte: state.from,
      windowEnd: state.end,
      startingAfter: list === state.list ? state.after : undefined,
    };
    for await (const page of readWindow(name, window, api, ctx, limit)) {
      const next =
        page.startingAfter !== undefined
          ? at(list, page.startingAfter)
          : list + 1 < RESCAN_LISTS.length
            ? at(list + 1, undefined)
            : { since: state.end };
      yield { objects: page.objects, cursor: next };
    }
  }
}
