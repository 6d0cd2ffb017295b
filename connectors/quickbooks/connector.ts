/**
 * The QuickBooks Online connector. A company connects through Intuit's consent page (connect.ts: the consent
 * URL, the callback's code exchange and revocation on disconnect), never by typing keys, so
 * `credentialFields` is empty; `verify` receives the exchanged tokens. The app's own keys come from settings
 * (QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET).
 */
import { classify, UserInputError } from '../../src/errors.ts';
import type { Connector, Credentials, VerifyResult } from '../types.ts';
import { QuickBooksClient } from './client.ts';
import { quickbooksConnect } from './connect.ts';
import type { QuickBooksAppSettings, QuickBooksContext } from './settings.ts';
import { type QuickBooksStreamOptions, quickbooksStreams } from './streams.ts';
import { TokenManager } from './tokens.ts';

export type QuickBooksConnectorOptions = QuickBooksStreamOptions;

export function createQuickBooksConnector(
  options: QuickBooksConnectorOptions = {},
): Connector<QuickBooksAppSettings> {
  return {
    id: 'quickbooks',
    displayName: 'QuickBooks Online',
    description: 'Invoices, payments and customers from QuickBooks Online (connects through Intuit sign-in).',
    credentialFields: [],
    connect: quickbooksConnect,
    verify: (input, ctx) => verify(input, ctx, options),
    streams: (credentials, session) => quickbooksStreams(credentials, session, options),
  };
}

export const quickbooksConnector: Connector<QuickBooksAppSettings> = createQuickBooksConnector();

/**
 * Reads CompanyInfo (the label) and Preferences (the home currency, which records without a CurrencyRef
 * need) with the given tokens. Nothing is stored yet, so a refresh needed here (an expired access token on a
 * re-check) lands in the returned credentials, which the caller stores.
 */
async function verify(
  input: Credentials,
  ctx: QuickBooksContext,
  options: QuickBooksConnectorOptions,
): Promise<VerifyResult> {
  if (!input['realm_id'] || !input['refresh_token']) {
    throw new UserInputError(
      'QuickBooks connects through Intuit sign-in, not with typed keys: use /finsync connect quickbooks and follow the button.',
    );
  }
  let latest: Credentials = input;
  const tokens = new TokenManager({
    credentials: input,
    session: {
      save: async (next) => {
        latest = next;
      },
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const client = new QuickBooksClient(tokens, ctx, options);
  const info = await client.companyInfo();
  let homeCurrency: string | null = null;
  try {
    homeCurrency = await client.homeCurrency();
  } catch (error) {
    // The label and tokens are good; without a home currency, records carrying a CurrencyRef still work.
    if (classify(error) === 'auth') throw error;
    ctx.log.warn('QuickBooks Preferences could not be read; the home currency stays unknown', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  const realmId = tokens.realmId;
  return {
    credentials: { ...latest, ...(homeCurrency ? { home_currency: homeCurrency } : {}) },
    accountLabel: `${info.companyName} (${realmId})`,
    accountId: realmId,
  };
}
