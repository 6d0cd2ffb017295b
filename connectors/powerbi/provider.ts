/** Power BI, a destination, as finsync knows it: see connectors/provider.ts for what each member means. */
import type { DestinationProvider } from '../provider.ts';
import { powerbiDestination } from './destination.ts';
import type { PowerBiEmulator, PowerBiEmulatorOptions } from './emulator.ts';
import { type PowerBiSettings, powerbiSettingsSpec } from './settings.ts';

export const powerbiProvider: DestinationProvider<
  'powerbi',
  PowerBiSettings,
  PowerBiEmulator,
  PowerBiEmulatorOptions
> = {
  id: 'powerbi',
  kind: 'destination',
  destination: powerbiDestination,
  settings: powerbiSettingsSpec,
  emulator: {
    async start(options) {
      const { startPowerBiEmulator } = await import('./emulator.ts');
      return startPowerBiEmulator(options);
    },
    // MSAL refuses an http authority: the emulator is reached through MS_TOKEN_URL, the host stays https.
    env: (emulator) => ({
      MS_TOKEN_URL: `${emulator.url}/{tenant}/oauth2/v2.0/token`,
      POWERBI_API_BASE: emulator.url,
    }),
    formAnswers: ({ control }) => ({
      tenant_id: control.tenantId,
      client_id: control.clientId,
      client_secret: control.clientSecret,
      workspace_id: control.groupId,
    }),
  },
};
