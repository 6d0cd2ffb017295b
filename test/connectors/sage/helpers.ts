/** Factories for the Sage tests: an emulator, settings pointing at it, a context, a session, a ledger. */
import {
  type SageEmulator,
  type SageEmulatorOptions,
  startSageEmulator,
} from '../../../connectors/sage/emulator.ts';
import type { SageAppSettings } from '../../../connectors/sage/settings.ts';
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

export function emulator(options: SageEmulatorOptions = {}): Promise<SageEmulator> {
  return startSageEmulator(options);
}

export function settingsFor(emu: SageEmulator): SageAppSettings {
  return {
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    authorizeUrl: `${emu.url}/oauth2/auth/central?filter=apiv3.1`,
    tokenUrl: `${emu.url}/token`,
    apiBase: emu.apiBase,
    country: 'gb',
    redirectUri: 'http://127.0.0.1:3000/oauth/sage/callback',
  };
}

export interface TestContext extends ConnectorContext<SageAppSettings> {
  /** Every wait the code asked for, in ms; nothing really waits. */
  readonly sleeps: number[];
}

export function context(settings: SageAppSettings): TestContext {
  const sleeps: number[] = [];
  return {
    settings,
    log: silentLogger(),
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

/** Credentials as the connect flow stores them (tokens minted by the emulator, business chosen). */
export function credentialsFor(
  emu: SageEmulator,
  business = emu.control.businessIds[0]!,
  user = 'user-single',
  at = Date.now(),
): Credentials {
  const t = emu.control.issueTokens(user);
  return {
    business_id: business,
    business_name: emu.control.business(business).spec.name,
    base_currency: emu.control.business(business).spec.baseCurrency,
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    access_expires_at: new Date(at + t.expires_in * 1000).toISOString(),
    refresh_expires_at: new Date(at + t.refresh_token_expires_in * 1000).toISOString(),
  };
}

/** A credential store like the app's: `save` is durable once it resolves; `events` records the order. */
export class MemoryStore implements CredentialSession {
  saves = 0;
  constructor(
    public credentials: Credentials,
    readonly events: string[] = [],
  ) {}
  async save(next: Credentials): Promise<void> {
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

  ids(): string[] {
    return [...this.records.keys()].sort();
  }
}

export function streamNamed(streams: readonly Stream[], name: string): Stream {
  const stream = streams.find((s) => s.name === name);
  if (!stream) throw new Error(`no stream ${name}`);
  return stream;
}
