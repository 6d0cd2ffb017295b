/**
 * The Stripe emulator's events: what Stripe records when an object is created or changes, listed by
 * `GET /v1/events` (newest first, `limit`, `starting_after`/`ending_before`, `created[...]`, `types[]` or a
 * `type` with `*` wildcards, `has_more`) and fetched by `GET /v1/events/{id}`, kept for 30 days as Stripe
 * keeps them. An event's `data.object` is its object as it was when the event happened: the emulator's
 * objects are a function of time, so it is built on demand at the event's `created`.
 * Events are recorded from the emulator's start (the seeded history has none).
 */
import type { ListName } from './emulator-data.ts';
import { hash } from './emulator-random.ts';
import { invalid } from './emulator-requests.ts';

type Json = Record<string, unknown>;

export const EVENT_RETENTION_SECONDS = 30 * 86_400;
export const EVENT_API_VERSION = '2023-08-16';

/** What an event is about: one listed object, or the account's balance. */
export type EventTarget = { readonly list: ListName; readonly index: number } | { readonly balance: true };

export interface EventEntry {
  readonly seq: number;
  readonly id: string;
  readonly created: number;
  readonly type: string;
  readonly target: EventTarget;
  /** Stripe's `data.previous_attributes`: the changed fields' values before the change. */
  readonly previous?: Json;
}

export interface EventQuery {
  readonly limit: number;
  readonly gte?: number;
  readonly lte?: number;
  readonly startingAfter?: EventEntry;
  readonly endingBefore?: EventEntry;
  readonly types?: readonly string[];
  readonly typePattern?: RegExp;
}

const before = (a: EventEntry, b: EventEntry) =>
  a.created < b.created || (a.created === b.created && a.seq < b.seq);

export class EventLog {
  /** Oldest first, by (created, seq). */
  private readonly entries: EventEntry[] = [];
  private readonly byId = new Map<string, EventEntry>();
  private seq = 0;

  constructor(private readonly seed: number) {}

  record(created: number, type: string, target: EventTarget, previous?: Json): EventEntry {
    const seq = ++this.seq;
    let suffix = '';
    for (let salt = 40; suffix.length < 14; salt++)
      suffix += hash(this.seed, seq, salt).toString(36).slice(0, 5);
    const entry: EventEntry = {
      seq,
      id: `evt_1Em${seq.toString(36).padStart(7, '0')}${suffix.slice(0, 14)}`,
      created,
      type,
      target,
      ...(previous ? { previous } : {}),
    };
    let at = this.entries.length;
    while (at > 0 && before(entry, this.entries[at - 1]!)) at--;
    this.entries.splice(at, 0, entry);
    this.byId.set(entry.id, entry);
    return entry;
  }

  /** An event still kept at `nowSeconds`. */
  find(id: string, nowSeconds: number): EventEntry | undefined {
    const entry = this.byId.get(id);
    return entry && entry.created >= nowSeconds - EVENT_RETENTION_SECONDS ? entry : undefined;
  }

  /** Every event kept, newest first (tests). */
  all(nowSeconds: number): EventEntry[] {
    return this.entries.filter((e) => e.created >= nowSeconds - EVENT_RETENTION_SECONDS).reverse();
  }

  list(query: EventQuery, nowSeconds: number): { entries: EventEntry[]; hasMore: boolean } {
    const kept = nowSeconds - EVENT_RETENTION_SECONDS;
    const gte = Math.max(kept, query.gte ?? kept);
    const matches = this.entries.filter(
      (e) =>
        e.created >= gte &&
        (query.lte === undefined || e.created <= query.lte) &&
        (query.types === undefined || query.types.includes(e.type)) &&
        (query.typePattern === undefined || query.typePattern.test(e.type)),
    );
    if (query.endingBefore !== undefined) {
      const anchor = query.endingBefore;
      const newer = matches.filter((e) => before(anchor, e));
      const page = newer.slice(0, query.limit);
      return { entries: page.reverse(), hasMore: newer.length > query.limit };
    }
    const anchor = query.startingAfter;
    const older = (anchor ? matches.filter((e) => before(e, anchor)) : matches).reverse();
    return { entries: older.slice(0, query.limit), hasMore: older.length > query.limit };
  }
}

export function buildEvent(entry: EventEntry, object: Json): Json {
  return {
    id: entry.id,
    object: 'event',
    api_version: EVENT_API_VERSION,
    created: entry.created,
    data: entry.previous ? { object, previous_attributes: entry.previous } : { object },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: entry.type,
  };
}

function integer(name: string, value: string): number {
  if (!/^-?\d{1,15}$/.test(value)) {
    throw invalid(`Invalid integer: ${value}`, { param: name, code: 'parameter_invalid_integer' });
  }
  return Number(value);
}

/** `GET /v1/events` parameters, checked as Stripe checks them. */
export function parseEventQuery(params: URLSearchParams, log: EventLog, nowSeconds: number): EventQuery {
  let limit = 10;
  let gte: number | undefined;
  let lte: number | undefined;
  let startingAfter: EventEntry | undefined;
  let endingBefore: EventEntry | undefined;
  let types: string[] | undefined;
  let type: string | undefined;
  const lower = (v: number) => {
    gte = gte === undefined ? v : Math.max(gte, v);
  };
  const upper = (v: number) => {
    lte = lte === undefined ? v : Math.min(lte, v);
  };
  const cursor = (name: string, id: string): EventEntry => {
    const entry = log.find(id, nowSeconds);
    if (!entry) {
      throw invalid(`No such event: '${id.slice(0, 60)}'`, { param: name, code: 'resource_missing' });
    }
    return entry;
  };
  for (const [name, value] of params) {
    if (name === 'limit') {
      limit = integer(name, value);
      if (limit < 1 || limit > 100) {
        throw invalid('This value must be greater than or equal to 1 and less than or equal to 100.', {
          param: name,
          code: 'parameter_invalid_integer',
        });
      }
    } else if (name === 'created') {
      lower(integer(name, value));
      upper(integer(name, value));
    } else if (name === 'created[gte]') lower(integer(name, value));
    else if (name === 'created[gt]') lower(integer(name, value) + 1);
    else if (name === 'created[lte]') upper(integer(name, value));
    else if (name === 'created[lt]') upper(integer(name, value) - 1);
    else if (name === 'starting_after') startingAfter = cursor(name, value);
    else if (name === 'ending_before') endingBefore = cursor(name, value);
    else if (/^types\[\d*\]$/.test(name)) types = [...(types ?? []), value];
    else if (name === 'type') type = value;
    else if (/^expand\[\d*\]$/.test(name)) continue;
    else if (name === 'delivery_success') {
      throw invalid(`The emulator does not support the parameter: ${name}`, { param: name });
    } else throw invalid(`Received unknown parameter: ${name}`, { param: name, code: 'parameter_unknown' });
  }
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalid('You may only specify one of these parameters: ending_before, starting_after.');
  }
  if (types !== undefined && type !== undefined) {
    throw invalid('You may only specify one of these parameters: type, types.');
  }
  if (types !== undefined && types.length > 20) {
    throw invalid('Invalid array: types may contain at most 20 elements.', { param: 'types' });
  }
  const typePattern =
    type === undefined
      ? undefined
      : new RegExp(`^${type.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  return {
    limit,
    ...(gte === undefined ? {} : { gte }),
    ...(lte === undefined ? {} : { lte }),
    ...(startingAfter ? { startingAfter } : {}),
    ...(endingBefore ? { endingBefore } : {}),
    ...(types ? { types } : {}),
    ...(typePattern ? { typePattern } : {}),
  };
}
