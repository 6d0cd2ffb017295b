/** QuickBooks Online, as finsync knows it: see connectors/provider.ts for what each member means. */
import type { SourceProvider } from '../provider.ts';
import { quickbooksConnector } from './connector.ts';
import type { QuickBooksEmulator, QuickBooksEmulatorOptions } from './emulator.ts';
import { type QuickBooksAppSettings, quickbooksSettingsSpec } from './settings.ts';
import { quickbooksWebhook } from './webhook-route.ts';

export const quickbooksProvider: SourceProvider<
  'quickbooks',
  QuickBooksAppSettings,
  QuickBooksEmulator,
  QuickBooksEmulatorOptions
> = {
  id: 'quickbooks',
  kind: 'source',
  connector: quickbooksConnector,
  settings: quickbooksSettingsSpec,
  webhook: { route: (deps) => quickbooksWebhook({ ...deps, verifierToken: deps.settings.webhookVerifier }) },
  // Transactions are dated by their `TxnDate`, stored at 00:00:00.000Z (normalize.ts `txnInstant`).
  dates: 'calendar',
  emulator: {
    async start(options) {
      const { startQuickBooksEmulator } = await import('./emulator.ts');
      return startQuickBooksEmulator(options);
    },
    env: (emulator) => ({
      QUICKBOOKS_CLIENT_ID: emulator.clientId,
      QUICKBOOKS_CLIENT_SECRET: emulator.clientSecret,
      QUICKBOOKS_AUTHORIZE_URL: `${emulator.url}/oauth2/authorize`,
      QUICKBOOKS_TOKEN_URL: `${emulator.url}/oauth2/v1/tokens/bearer`,
      QUICKBOOKS_API_BASE: emulator.url,
    }),
  },
};
