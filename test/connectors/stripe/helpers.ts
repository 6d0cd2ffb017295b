/** Small factories for the Stripe connector tests: a quiet context with a recording sleep, and a stream drain. */
import winston from 'winston';
import type { StripeContext } from '../../../connectors/stripe/settings.ts';
import type { Page, Stream, StreamCursor } from '../../../connectors/types.ts';
import { draftsOf, type RecordDraft } from '../../../src/records.ts';

export interface TestContext {
  readonly ctx: StripeContext;
  /** Every wait the code under test asked for, in ms. */
  readonly sleeps: number[];
}

export function testContext(apiBase: string): TestContext {
  const sleeps: number[] = [];
  const ctx: StripeContext = {
    settings: { apiBase },
    log: winston.createLogger({ silent: true }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { ctx, sleeps };
}

export interface Drained {
  readonly pages: readonly Page<unknown>[];
  /** The provider objects read, in order (a balance transaction with a fee is one object, two records). */
  readonly objects: readonly unknown[];
  readonly records: readonly RecordDraft[];
  readonly cursor: StreamCursor | null;
}

/** Reads a stream to its end (or `maxPages`), normalizing every object, as the engine would. */
export async function drain(
  stream: Stream,
  cursor: StreamCursor | null,
  ctx: StripeContext,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<Drained> {
  const pages: Page<unknown>[] = [];
  const records: RecordDraft[] = [];
  let last = cursor;
  for await (const page of stream.read(cursor, ctx)) {
    pages.push(page);
    records.push(...page.objects.flatMap((raw) => draftsOf(stream.normalize(raw))));
    if (page.cursor) last = page.cursor;
    if (pages.length >= maxPages) break;
  }
  return { pages, objects: pages.flatMap((page) => page.objects), records, cursor: last };
}

export function streamNamed(streams: readonly Stream[], name: string): Stream {
  const stream = streams.find((s) => s.name === name);
  if (!stream) throw new Error(`no stream ${name}`);
  return stream;
}
