/** Power BI's app-level settings: the Microsoft identity host and the Power BI REST base. */
import { ConfigError } from '../../src/errors.ts';
import type { ProviderSettingsSpec } from '../provider.ts';
import type { ConnectorContext } from '../types.ts';

export interface PowerBiSettings {
  /** Microsoft identity host (https), e.g. https://login.microsoftonline.com. */
  readonly authorityHost: string;
  /** When set, the token endpoint used directly (no discovery): how tests reach a local emulator. */
  readonly tokenUrl?: string;
  readonly apiBase: string;
}

export const powerbiSettingsSpec: ProviderSettingsSpec<PowerBiSettings> = {
  declared: [
    {
      name: 'MS_AUTHORITY_HOST',
      meaning: 'Microsoft identity host (https)',
      default: 'https://login.microsoftonline.com',
    },
    {
      name: 'MS_TOKEN_URL',
      meaning: 'a token endpoint used directly, without discovery (`{tenant}` is replaced)',
    },
    { name: 'POWERBI_API_BASE', meaning: 'Power BI REST base URL', default: 'https://api.powerbi.com' },
  ],
  parse(read) {
    const authorityHost = read.url('MS_AUTHORITY_HOST');
    if (!authorityHost.startsWith('https://')) {
      // MSAL refuses an http authority (authority_uri_insecure); local emulators use MS_TOKEN_URL instead.
      throw new ConfigError(
        'MS_AUTHORITY_HOST',
        'MS_AUTHORITY_HOST must be an https URL; point MS_TOKEN_URL at a local token endpoint instead',
      );
    }
    const tokenUrl = read.optionalUrl('MS_TOKEN_URL');
    return {
      authorityHost: authorityHost.replace(/\/$/, ''),
      ...(tokenUrl ? { tokenUrl } : {}),
      apiBase: read.url('POWERBI_API_BASE').replace(/\/$/, ''),
    };
  },
};

/** The context a powerbi connector call gets: these settings and no other provider's. */
export type PowerBiContext = ConnectorContext<PowerBiSettings>;
