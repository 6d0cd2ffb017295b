/** Stripe's app-level settings: only where its API is (keys are per connection). */
import type { ProviderSettingsSpec } from '../provider.ts';
import type { ConnectorContext } from '../types.ts';

export interface StripeSettings {
  readonly apiBase: string;
}

export const stripeSettingsSpec: ProviderSettingsSpec<StripeSettings> = {
  declared: [{ name: 'STRIPE_API_BASE', meaning: 'Stripe API base URL', default: 'https://api.stripe.com' }],
  parse: (read) => ({ apiBase: read.url('STRIPE_API_BASE') }),
};

/** The context a stripe connector call gets: these settings and no other provider's. */
export type StripeContext = ConnectorContext<StripeSettings>;
