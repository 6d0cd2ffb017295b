/** Plaid's app-level settings: the developer keys (access tokens are per connection) and the environment. */
import { ConfigError } from '../../src/errors.ts';
import type { ProviderSettingsSpec } from '../provider.ts';
import type { ConnectorContext } from '../types.ts';

export interface PlaidSettings {
  readonly baseUrl: string;
  readonly clientId?: string;
  readonly secret?: string;
}

const PLAID_ENVIRONMENTS: Readonly<Record<string, string>> = {
  sandbox: 'https://sandbox.plaid.com',
  development: 'https://development.plaid.com',
  production: 'https://production.plaid.com',
};

export const plaidSettingsSpec: ProviderSettingsSpec<PlaidSettings> = {
  declared: [
    { name: 'PLAID_CLIENT_ID', meaning: 'Plaid developer client id' },
    { name: 'PLAID_SECRET', meaning: 'Plaid developer secret', secret: true },
    {
      name: 'PLAID_ENV',
      meaning: 'Plaid environment: sandbox, development or production',
      default: 'sandbox',
    },
    { name: 'PLAID_BASE_URL', meaning: 'an explicit Plaid base URL that wins over PLAID_ENV' },
  ],
  parse(read) {
    // An explicit base URL wins; PLAID_ENV is only checked when it is the one that decides.
    const explicit = read.optionalUrl('PLAID_BASE_URL');
    const environment = read.get('PLAID_ENV') ?? 'sandbox';
    const fromEnvironment = Object.hasOwn(PLAID_ENVIRONMENTS, environment)
      ? PLAID_ENVIRONMENTS[environment]
      : undefined;
    const baseUrl = explicit ?? fromEnvironment;
    if (baseUrl === undefined) {
      throw new ConfigError(
        'PLAID_ENV',
        `PLAID_ENV must be one of ${Object.keys(PLAID_ENVIRONMENTS).join(', ')}`,
      );
    }
    const clientId = read.get('PLAID_CLIENT_ID');
    const secret = read.get('PLAID_SECRET');
    return { baseUrl, ...(clientId ? { clientId } : {}), ...(secret ? { secret } : {}) };
  },
};

/** The context a plaid connector call gets: these settings and no other provider's. */
export type PlaidContext = ConnectorContext<PlaidSettings>;
