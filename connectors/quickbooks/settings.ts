/** QuickBooks' app-level settings: the Intuit developer app, Intuit's endpoints and where consent returns. */
import { connectPaths } from '../connect-mode.ts';
import type { ProviderSettingsSpec } from '../provider.ts';
import type { ConnectorContext } from '../types.ts';

export interface QuickBooksAppSettings {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly webhookVerifier?: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly apiBase: string;
  /** Where Intuit sends the person back: FINSYNC_PUBLIC_URL + /oauth/quickbooks/callback. */
  readonly redirectUri: string;
}

export const quickbooksSettingsSpec: ProviderSettingsSpec<QuickBooksAppSettings> = {
  declared: [
    { name: 'QUICKBOOKS_CLIENT_ID', meaning: 'the Intuit developer app: client id' },
    { name: 'QUICKBOOKS_CLIENT_SECRET', meaning: 'the Intuit developer app: client secret', secret: true },
    {
      name: 'QUICKBOOKS_WEBHOOK_VERIFIER',
      meaning: 'the verifier token of the Intuit app webhooks (signs POST /webhooks/quickbooks)',
      secret: true,
    },
    {
      name: 'QUICKBOOKS_AUTHORIZE_URL',
      meaning: 'Intuit consent page',
      default: 'https://appcenter.intuit.com/connect/oauth2',
    },
    {
      name: 'QUICKBOOKS_TOKEN_URL',
      meaning: 'Intuit token endpoint',
      default: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    },
    {
      name: 'QUICKBOOKS_API_BASE',
      meaning: 'QuickBooks Online API base URL',
      default: 'https://quickbooks.api.intuit.com',
    },
  ],
  parse(read, app) {
    const clientId = read.get('QUICKBOOKS_CLIENT_ID');
    const clientSecret = read.get('QUICKBOOKS_CLIENT_SECRET');
    const webhookVerifier = read.get('QUICKBOOKS_WEBHOOK_VERIFIER');
    return {
      ...(clientId ? { clientId } : {}),
      ...(clientSecret ? { clientSecret } : {}),
      ...(webhookVerifier ? { webhookVerifier } : {}),
      authorizeUrl: read.url('QUICKBOOKS_AUTHORIZE_URL'),
      tokenUrl: read.url('QUICKBOOKS_TOKEN_URL'),
      apiBase: read.url('QUICKBOOKS_API_BASE').replace(/\/$/, ''),
      redirectUri: `${app.publicUrl}${connectPaths('quickbooks').callback}`,
    };
  },
};

/** The context a quickbooks connector call gets: these settings and no other provider's. */
export type QuickBooksContext = ConnectorContext<QuickBooksAppSettings>;
