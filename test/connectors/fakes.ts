/**
 * Test doubles the connector tests share: a context whose sleeps are recorded (nothing really waits), a
 * credential store like the app's, and a ledger that applies pages the way the sync engine does.
 */
import type {
  ConnectorContext,
  CredentialSession,
  Credentials,
  Page,
  Stream,
  StreamCursor,
} from '../../connectors/types.ts';
import { silentLogger } from '../../src/log.ts';
import { draftsOf, type RecordDraft } from '../../src/records.ts';

export interface TestContext<S> extends ConnectorContext<S> {
  /** Every wait the code asked for, in ms; nothing really waits unless `sleep` was given. */
  readonly sleeps: number[];
}

export function testContext<S>(settings: S, sleep?: (ms: number) => Promise<void>): TestContext<S> {
  const sleeps: number[] = [];
  return {
    settings,
    log: silentLogger(),
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
      await sleep?.(ms);
    },
  };
}

/** A credential store like the app's: `save` is durable once it resolves; `events` records the order. */
export class MemoryStore implements CredentialSession {
  saves = 0;
  constructor(
    public credentials: Credentials,
    readonly events: string[] = [],
    private readonly delayMs = 0,
  ) {}
  async save(next: Credentials): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.credentials = next;
    this.saves++;
    this.events.push(`saved refresh=${next['refresh_token']} access=${next['access_token']}`);
  }
}

/** Applies pages the way the sync engine does: upsert by record id, remove, advance the cursor if given. */
export class MemoryLedger {
  readonly records = new Map<string, RecordDraft>();
  cursor: StreamCursor | null = null;

  async sync(stream: Stream, ctx: ConnectorContext): Promise<Page[]> {
    const pages: Page[] = [];
    for await (const page of stream.read(this.cursor, ctx)) {
      pages.push(page);
      for (const raw of page.objects)
        for (const record of draftsOf(stream.normalize(raw))) this.records.set(record.raw.id, record);
      for (const id of page.removedIds ?? []) this.records.delete(id);
      if (page.cursor) this.cursor = page.cursor;
    }
    return pages;
  }

  get(externalId: string): RecordDraft | undefined {
    return this.records.get(externalId);
  }

  /** The external ids held, in string order. */
  ids(): string[] {
    return [...this.records.keys()].sort();
  }
}

export function streamNamed(streams: readonly Stream[], name: string): Stream {
  const stream = streams.find((s) => s.name === name);
  if (!stream) throw new Error(`no stream ${name}`);
  return stream;
}
