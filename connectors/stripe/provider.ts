/** Stripe, as finsync knows it: see connectors/provider.ts for what each member means. */
import type { SourceProvider } from '../provider.ts';
import { stripeConnector } from './connector.ts';
import type { StripeEmulator, StripeEmulatorOptions } from './emulator.ts';
import { EMULATOR_WEBHOOK_SECRET } from './emulator-secrets.ts';
import { type StripeSettings, stripeSettingsSpec } from './settings.ts';
import { stripeWebhook } from './webhook-route.ts';

export const stripeProvider: SourceProvider<'stripe', StripeSettings, StripeEmulator, StripeEmulatorOptions> =
  {
    id: 'stripe',
    kind: 'source',
    connector: stripeConnector,
    settings: stripeSettingsSpec,
    webhook: { route: (deps) => stripeWebhook(deps) },
    // Stripe's objects carry Unix timestamps: real instants.
    dates: 'instant',
    emulator: {
      async start(options) {
        const { startStripeEmulator } = await import('./emulator.ts');
        return startStripeEmulator({ count: 30, ...options });
      },
      env: (emulator) => ({ STRIPE_API_BASE: emulator.url }),
      formAnswers: (emulator) => ({ api_key: emulator.secretKey, webhook_secret: EMULATOR_WEBHOOK_SECRET }),
      // Payment Link payments are delivered as Stripe does: signed, to POST /webhooks/stripe.
      connectApp: (emulator, appUrl) =>
        emulator.control.sendWebhooksTo({
          url: `${appUrl}/webhooks/stripe`,
          secret: EMULATOR_WEBHOOK_SECRET,
        }),
    },
  };
