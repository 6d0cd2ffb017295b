/** Plaid, as finsync knows it: see connectors/provider.ts for what each member means. */
import type { SourceProvider } from '../provider.ts';
import { plaidConnector } from './connector.ts';
import type { PlaidEmulator, PlaidEmulatorOptions } from './emulator.ts';
import { type PlaidSettings, plaidSettingsSpec } from './settings.ts';
import { PlaidKeyCache, sdkKeyFetch } from './webhook-keys.ts';
import { plaidWebhook } from './webhook-route.ts';

export const plaidProvider: SourceProvider<'plaid', PlaidSettings, PlaidEmulator, PlaidEmulatorOptions> = {
  id: 'plaid',
  kind: 'source',
  connector: plaidConnector,
  settings: plaidSettingsSpec,
  webhook: {
    route: (deps) =>
      plaidWebhook({ ...deps, keys: new PlaidKeyCache(sdkKeyFetch(deps.settings, deps.connectorContext)) }),
  },
  // A transaction without a `datetime` is stored as its `date` at 00:00:00.000Z (normalize.ts `occurredAt`).
  dates: 'calendar',
  emulator: {
    async start(options) {
      const { startPlaidEmulator } = await import('./emulator.ts');
      return startPlaidEmulator(options);
    },
    env: (emulator) => ({
      PLAID_BASE_URL: emulator.url,
      PLAID_CLIENT_ID: emulator.clientId,
      PLAID_SECRET: emulator.secret,
    }),
  },
};
