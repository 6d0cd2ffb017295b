/** Factories for the Sage tests: an emulator, settings pointing at it, a context, a session, a ledger. */
import {
  type SageEmulator,
  type SageEmulatorOptions,
  startSageEmulator,
} from '../../../connectors/sage/emulator.ts';
import type { SageAppSettings } from '../../../connectors/sage/settings.ts';
import type { Credentials } from '../../../connectors/types.ts';
import {
  MemoryLedger,
  MemoryStore,
  type TestContext as SharedTestContext,
  streamNamed,
  testContext,
} from '../fakes.ts';

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

export type TestContext = SharedTestContext<SageAppSettings>;

export function context(settings: SageAppSettings): TestContext {
  return testContext(settings);
}

export { MemoryLedger, MemoryStore, streamNamed };
