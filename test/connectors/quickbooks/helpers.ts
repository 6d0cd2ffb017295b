/** Factories for the QuickBooks tests: an emulator, settings pointing at it, a context, a session, a ledger. */
import {
  type QuickBooksEmulator,
  type QuickBooksEmulatorOptions,
  startQuickBooksEmulator,
} from '../../../connectors/quickbooks/emulator.ts';
import { RealmLimiter } from '../../../connectors/quickbooks/limiter.ts';
import type { QuickBooksAppSettings } from '../../../connectors/quickbooks/settings.ts';
import type { Credentials } from '../../../connectors/types.ts';
import {
  MemoryStore,
  MemoryLedger as SharedMemoryLedger,
  type TestContext as SharedTestContext,
  streamNamed,
  testContext,
} from '../fakes.ts';

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

export type TestContext = SharedTestContext<QuickBooksAppSettings>;

export function context(settings: QuickBooksAppSettings, sleep?: (ms: number) => Promise<void>): TestContext {
  return testContext(settings, sleep);
}

/** QuickBooks ids are numbers: held in numeric order. */
export class MemoryLedger extends SharedMemoryLedger {
  override ids(): string[] {
    return [...this.records.keys()].sort((a, b) => Number(a) - Number(b));
  }
}

export { MemoryStore, streamNamed };

/** A fresh limiter per test, so no test inherits another's pacing. */
export function freshLimiter(): RealmLimiter {
  return new RealmLimiter();
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
