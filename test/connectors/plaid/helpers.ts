/** Factories for the Plaid tests: an emulator, settings pointing at it, a context, and a tiny ledger. */

import {
  type PlaidEmulator,
  type PlaidEmulatorOptions,
  startPlaidEmulator,
} from '../../../connectors/plaid/emulator.ts';
import type { PlaidSettings } from '../../../connectors/plaid/settings.ts';
import type { ConnectorContext, Page, Stream, StreamCursor } from '../../../connectors/types.ts';
import { draftsOf, type RecordDraft, recordId } from '../../../src/records.ts';
import { type TestContext as SharedTestContext, testContext } from '../fakes.ts';

export async function emulator(options: PlaidEmulatorOptions = {}): Promise<PlaidEmulator> {
  return startPlaidEmulator(options);
}

export function settingsFor(
  emu: PlaidEmulator,
  keys: { clientId?: string; secret?: string } = {},
): PlaidSettings {
  return {
    baseUrl: emu.url,
    clientId: 'clientId' in keys ? keys.clientId : emu.control.clientId,
    secret: 'secret' in keys ? keys.secret : emu.control.secret,
  };
}

export type TestContext = SharedTestContext<PlaidSettings>;

export function context(settings: PlaidSettings): TestContext {
  return testContext(settings);
}

/** Applies pages the way the sync engine does: upsert by record id, remove, then advance the cursor if given. */
export class MemoryLedger {
  readonly records = new Map<string, RecordDraft>();
  cursor: StreamCursor | null = null;
  readonly pages: Page[] = [];

  async sync(stream: Stream, ctx: ConnectorContext): Promise<Page[]> {
    const pages: Page[] = [];
    for await (const page of stream.read(this.cursor, ctx)) {
      pages.push(page);
      this.pages.push(page);
      for (const raw of page.objects) {
        for (const record of draftsOf(stream.normalize(raw))) this.records.set(record.id, record);
      }
      for (const id of page.removedIds ?? []) this.records.delete(recordId('plaid', stream.name, id));
      if (page.cursor) this.cursor = page.cursor;
    }
    return pages;
  }

  /** External ids currently held, sorted. */
  ids(): string[] {
    return [...this.records.values()].map((r) => r.raw.id).sort();
  }

  get(externalId: string): RecordDraft | undefined {
    return [...this.records.values()].find((r) => r.raw.id === externalId);
  }
}

/** An async iterator consumed by hand, to act between pages. */
export async function nextPage(iterator: AsyncIterator<Page>): Promise<Page> {
  const result = await iterator.next();
  if (result.done) throw new Error('expected another page');
  return result.value;
}
