/** PayPal's app-level settings: only where its REST API is (client id and secret are per connection). */
import type { ProviderSettingsSpec } from '../provider.ts';
import type { ConnectorContext } from '../types.ts';

export interface PayPalSettings {
  /** No trailing slash: `https://api-m.paypal.com` (live) or `https://api-m.sandbox.paypal.com`. */
  readonly apiBase: string;
}

export const paypalSettingsSpec: ProviderSettingsSpec<PayPalSettings> = {
  declared: [
    {
      name: 'PAYPAL_API_BASE',
      meaning:
        'PayPal REST base URL (live, or `https://api-m.sandbox.paypal.com`); client id and secret are per connection',
      default: 'https://api-m.paypal.com',
    },
  ],
  parse: (read) => ({ apiBase: read.url('PAYPAL_API_BASE').replace(/\/+$/, '') }),
};

/** The context a paypal connector call gets: these settings and no other provider's. */
export type PayPalContext = ConnectorContext<PayPalSettings>;
