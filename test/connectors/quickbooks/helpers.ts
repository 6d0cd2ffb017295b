/** Factories for the QuickBooks tests: an emulator, settings pointing at it, a context, a session, a ledger. */
import {
  type QuickBooksEmulator,
  type QuickBooksEmulatorOptions,
  startQuickBooksEmulator,
} from '../../../connectors/quickbooks/emulator.ts';
import { RealmLimiter } from '../../../connectors/quickbooks/limiter.ts';
import type { QuickBooksAppSettings } from '../../../connectors/quickbooks/settings.ts';
import type {
  ConnectorContext,
  CredentialSession,
  Credentials,
  Page,
  Stream,
  StreamCursor,
} from '../../../connectors/types.ts';
import { silentLogger } from '../../../src/log.ts';
import { draftsOf, type RecordDraft } from '../../../src/records.ts';

export function emulator(options: QuickBooksEmulatorOptions = {}): Promise<QuickBooksEmulator> {
  return startQuickBooksEmulator(options);
}

export function settingsFor(
  emu: QuickBooksEmulator,
  keys: { clientId?: string | undefined; clientSecret?: string | undefined } = {},
): QuickBooksAppSettings {
  const clientId = 'clientId' in keys ? keys.clientId : emu.clientId;
  const clientSecret = 'clientSecret' in keys ? keys.clientSecret : emu.clientSecret;
  return {
    ...(clientId ? { clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    authorizeUrl: `${emu.url}/oauth2/authorize`,
    tokenUrl: `${emu.url}/oauth2/v1/tokens/bearer`,
    apiBase: emu.url,
    redirectUri: 'http://127.0.0.1:3000/oauth/quickbooks/callback',
  };
}

export interface TestContext extends ConnectorContext<QuickBooksAppSettings> {
  /** Every wait the code asked for, in ms; nothing really waits. */
  readonly sleeps: number[];
}

export function context(settings: QuickBooksAppSettings, sleep?: (ms: number) => Promise<void>): TestContext {
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

/** Credentials as the connect flow stores them, minted straight from the emulator. */
export function credentialsFor(
  emu: QuickBooksEmulator,
  realmId = emu.control.realmIds[0]!,
  at = Date.now(),
): Credentials {
  const t = emu.control.issueTokens(realmId);
  return {
    realm_id: realmId,
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    access_expires_at: new Date(at + t.expires_in * 1000).toISOString(),
    refresh_expires_at: new Date(at + t.x_refresh_token_expires_in * 1000).toISOString(),
    home_currency: 'USD',
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

/** A fresh limiter per test, so no test inherits another's pacing. */
export function freshLimiter(): RealmLimiter {
  return new RealmLimiter();
}

/** Applies pages the way the sync engine does: upsert by record id, remove, advance the cursor if given. */
export class MemoryLedger {
  readonly records = new Map<string, RecordDraft>();
  cursor: StreamCursor | null = null;

  async sync(stream: Stream, ctx: ConnectorContext): Promise<Page[]> {
    const pages: Page[] = [];
    for await (const page of stream.read(this.cursor, ctx)) {
      pages.push(page);
      for (const raw of page.objects) {
        for (const record of draftsOf(stream.normalize(raw))) this.records.set(record.raw.id, record);
      }
      for (const id of page.removedIds ?? []) this.records.delete(id);
      if (page.cursor) this.cursor = page.cursor;
    }
    return pages;
  }

  get(externalId: string): RecordDraft | undefined {
    return this.records.get(externalId);
  }

  ids(): string[] {
    return [...this.records.keys()].sort((a, b) => Number(a) - Number(b));
  }
}

export function streamNamed(streams: readonly Stream[], name: string): Stream {
  const stream = streams.find((s) => s.name === name);
  if (!stream) throw new Error(`no stream ${name}`);
  return stream;
}

/** Reads a dotted path ("Fault.Error.0.code") out of parsed JSON, for assertions. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Keys of the object at `path`, sorted. */
export function keysAt(value: unknown, path = ''): string[] {
  const target = path === '' ? value : at(value, path);
  return typeof target === 'object' && target !== null ? Object.keys(target).sort() : [];
}
