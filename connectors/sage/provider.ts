/** Sage Business Cloud Accounting, as finsync knows it: see connectors/provider.ts for what each member means. */
import type { SourceProvider } from '../provider.ts';
import { sageConnector } from './connector.ts';
import type { SageEmulator, SageEmulatorOptions } from './emulator.ts';
import { type SageAppSettings, sageSettingsSpec } from './settings.ts';

export const sageProvider: SourceProvider<'sage', SageAppSettings, SageEmulator, SageEmulatorOptions> = {
  id: 'sage',
  kind: 'source',
  connector: sageConnector,
  settings: sageSettingsSpec,
  // Transactions are dated by their `date`, stored at 00:00:00.000Z (normalize.ts `dateOf`).
  dates: 'calendar',
  emulator: {
    async start(options) {
      const { startSageEmulator } = await import('./emulator.ts');
      return startSageEmulator(options);
    },
    env: (emulator) => ({
      SAGE_CLIENT_ID: emulator.clientId,
      SAGE_CLIENT_SECRET: emulator.clientSecret,
      SAGE_AUTHORIZE_URL: `${emulator.url}/oauth2/auth/central?filter=apiv3.1`,
      SAGE_TOKEN_URL: `${emulator.url}/token`,
      SAGE_API_BASE: emulator.apiBase,
      SAGE_COUNTRY: 'gb',
    }),
  },
};
