/**
 * Factories for the PayPal connector tests: a mutable clock shared by the emulator and the connector, a quiet
 * context with a recording sleep, a connector pinned to that clock, and a stream drain that keeps the latest
 * record per id as the store's upsert would.
 */
import winston from 'winston';
import { createPayPalConnector, type PayPalConnectorOptions } from '../../../connectors/paypal/connector.ts';
import { type PayPalEmulator, startPayPalEmulator } from '../../../connectors/paypal/emulator.ts';
import type { RowInput } from '../../../connectors/paypal/emulator-data.ts';
import type { PayPalContext } from '../../../connectors/paypal/settings.ts';
import { clearTokenCache } from '../../../connectors/paypal/tokens.ts';
import type { Connector, Credentials, Stream, StreamCursor } from '../../../connectors/types.ts';
import { draftsOf, type RecordDraft, recordId } from '../../../src/records.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** 2026-06-15T12:00:00Z: the tests' "now" unless they move it. */
export const T0 = Date.UTC(2026, 5, 15, 12);

export interface Clock {
  now: number;
  readonly read: () => number;
}

export function clock(start = T0): Clock {
  const c = { now: start, read: () => c.now };
  return c;
}

export interface World {
  readonly clock: Clock;
  readonly emulator: PayPalEmulator;
  readonly ctx: PayPalContext;
  readonly sleeps: number[];
  readonly connector: Connector;
  readonly credentials: Credentials;
  close(): Promise<void>;
}

/** An emulator with no generated rows (tests add their own) and a connector on the same clock. */
export async function world(
  options: { rows?: readonly RowInput[]; resultSetLimit?: number; connector?: PayPalConnectorOptions } = {},
): Promise<World> {
  clearTokenCache();
  const c = clock();
  const emulator = await startPayPalEmulator({
    now: c.read,
    count: 0,
    ...(options.resultSetLimit === undefined ? {} : { resultSetLimit: options.resultSetLimit }),
  });
  emulator.control.addRows(options.rows ?? []);
  const sleeps: number[] = [];
  const ctx: PayPalContext = {
    settings: { apiBase: emulator.url },
    log: winston.createLogger({ silent: true }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  const connector = createPayPalConnector({ now: c.read, ...options.connector }) as Connector;
  const credentials = {
    client_id: emulator.clientId,
    client_secret: emulator.clientSecret,
    history_from: '2026-05-01',
  };
  return { clock: c, emulator, ctx, sleeps, connector, credentials, close: () => emulator.close() };
}

export interface Read {
  readonly records: readonly RecordDraft[];
  /** Record ids the pages said to remove (as the engine maps them), in order. */
  readonly removed: readonly string[];
  readonly cursor: StreamCursor | null;
  readonly pages: number;
}

/** Reads the stream to its end, as the engine would (normalizing every object). */
export async function readStream(
  stream: Stream,
  cursor: StreamCursor | null,
  ctx: PayPalContext,
): Promise<Read> {
  const records: RecordDraft[] = [];
  const removed: string[] = [];
  let last = cursor;
  let pages = 0;
  for await (const page of stream.read(cursor, ctx)) {
    pages++;
    for (const raw of page.objects) records.push(...draftsOf(stream.normalize(raw)));
    for (const id of page.removedIds ?? []) removed.push(recordId('paypal', stream.name, id));
    if (page.cursor) last = page.cursor;
  }
  return { records, removed, cursor: last, pages };
}

/** A ledger as the store keeps it: the last version of each record id. */
export class Ledger {
  readonly byId = new Map<string, RecordDraft>();
  apply(records: readonly RecordDraft[]): this {
    for (const record of records) this.byId.set(record.id, record);
    return this;
  }
  /** A read as the store applies one page: its records upserted, then its removals. */
  applyRead(read: Read): this {
    this.apply(read.records);
    for (const id of read.removed) this.byId.delete(id);
    return this;
  }
  /** `id amount currency status money?` lines, sorted: exact sets are compared as text. */
  lines(): string[] {
    return [...this.byId.values()]
      .map((r) => `${r.id} ${r.amount} ${r.currency} ${r.status}${r.moneyMovement ? ' money' : ''}`)
      .sort();
  }
}

export function summary(records: readonly RecordDraft[]): string[] {
  return new Ledger().apply(records).lines();
}
