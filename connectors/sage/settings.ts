/** Sage Accounting's app-level settings: the Sage developer app, Sage's endpoints and where consent returns. */
import { ConfigError } from '../../src/errors.ts';
import { connectPaths } from '../connect-mode.ts';
import type { ProviderSettingsSpec } from '../provider.ts';
import type { ConnectorContext } from '../types.ts';

export interface SageAppSettings {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** Sage's `country` on the consent link (ca de es fr gb ie us): skips its country list; unset: the person picks. */
  readonly country?: string;
  /** The v3.1 API base, no trailing slash (`https://api.accounting.sage.com/v3.1`). */
  readonly apiBase: string;
  /** Where Sage sends the person back: FINSYNC_PUBLIC_URL + /oauth/sage/callback. */
  readonly redirectUri: string;
}

/** Sage's published endpoints (developer.sage.com, "Authenticating with Sage Accounting"). */
export const SAGE_DEFAULTS = {
  authorizeUrl: 'https://www.sageone.com/oauth2/auth/central?filter=apiv3.1',
  tokenUrl: 'https://oauth.accounting.sage.com/token',
  apiBase: 'https://api.accounting.sage.com/v3.1',
} as const;

/** The countries Sage Accounting v3.1 serves, as its consent page names them. */
export const SAGE_COUNTRIES = ['ca', 'de', 'es', 'fr', 'gb', 'ie', 'us'];

export const sageSettingsSpec: ProviderSettingsSpec<SageAppSettings> = {
  declared: [
    { name: 'SAGE_CLIENT_ID', meaning: 'the Sage developer app: client id' },
    { name: 'SAGE_CLIENT_SECRET', meaning: 'the Sage developer app: client secret', secret: true },
    { name: 'SAGE_AUTHORIZE_URL', meaning: 'Sage consent page', default: SAGE_DEFAULTS.authorizeUrl },
    { name: 'SAGE_TOKEN_URL', meaning: 'Sage token endpoint', default: SAGE_DEFAULTS.tokenUrl },
    {
      name: 'SAGE_COUNTRY',
      meaning:
        "the country of the businesses (ca, de, es, fr, gb, ie, us), sent as `country` on Sage's consent link",
    },
    { name: 'SAGE_API_BASE', meaning: 'Sage Accounting API v3.1 base URL', default: SAGE_DEFAULTS.apiBase },
  ],
  parse(read, app) {
    const clientId = read.get('SAGE_CLIENT_ID');
    const clientSecret = read.get('SAGE_CLIENT_SECRET');
    const country = read.get('SAGE_COUNTRY')?.toLowerCase();
    if (country !== undefined && !SAGE_COUNTRIES.includes(country))
      throw new ConfigError('SAGE_COUNTRY', `SAGE_COUNTRY must be one of ${SAGE_COUNTRIES.join(', ')}.`);
    return {
      ...(clientId ? { clientId } : {}),
      ...(clientSecret ? { clientSecret } : {}),
      ...(country ? { country } : {}),
      authorizeUrl: read.url('SAGE_AUTHORIZE_URL'),
      tokenUrl: read.url('SAGE_TOKEN_URL'),
      apiBase: read.url('SAGE_API_BASE').replace(/\/+$/, ''),
      redirectUri: `${app.publicUrl}${connectPaths('sage').callback}`,
    };
  },
};

/** The context a Sage connector call gets: these settings and no other provider's. */
export type SageContext = ConnectorContext<SageAppSettings>;
