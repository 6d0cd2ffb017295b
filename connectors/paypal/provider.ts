/** PayPal, as finsync knows it: see connectors/provider.ts for what each member means. */
import type { SourceProvider } from '../provider.ts';
import { paypalConnector } from './connector.ts';
import type { PayPalEmulator, PayPalEmulatorOptions } from './emulator.ts';
import { type PayPalSettings, paypalSettingsSpec } from './settings.ts';
import { paypalWebhook } from './webhook-route.ts';

export const paypalProvider: SourceProvider<'paypal', PayPalSettings, PayPalEmulator, PayPalEmulatorOptions> =
  {
    id: 'paypal',
    kind: 'source',
    connector: paypalConnector,
    settings: paypalSettingsSpec,
    webhook: { route: (deps) => paypalWebhook(deps) },
    // Rows carry instants with an offset (transaction_initiation_date), stored in UTC.
    dates: 'instant',
    emulator: {
      async start(options) {
        const { startPayPalEmulator } = await import('./emulator.ts');
        return startPayPalEmulator(options);
      },
      env: (emulator) => ({ PAYPAL_API_BASE: emulator.url }),
      formAnswers: (emulator) => ({
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        webhook_id: emulator.control.webhookId,
      }),
    },
  };
