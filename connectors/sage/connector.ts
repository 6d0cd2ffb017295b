/**
 * The Sage Business Cloud Accounting connector (API v3.1). A business connects through Sage's consent page
 * (connect.ts), never by typing keys, so `credentialFields` is empty; `verify` receives the exchanged tokens
 * with the business the person chose (or the connection's own, on reconnect), checks the grant reaches it
 * (business.ts) and reads its base currency. The app's own keys come from settings
 * (SAGE_CLIENT_ID, SAGE_CLIENT_SECRET). Plain `fetch` throughout: Sage publishes no Node SDK that reaches an
 * emulator; the wire types follow Sage's OpenAPI description.
 */
import { classify, TransientError, UserInputError } from '../../src/errors.ts';
import { decimalToMinor, normalizeCurrency } from '../../src/money.ts';
import type { AccountBalance, Connector, CredentialSession, Credentials, VerifyResult } from '../types.ts';
import { chooseBusiness } from './business.ts';
import { SageClient } from './client.ts';
import { sageConnect } from './connect.ts';
import type { SageAppSettings, SageContext } from './settings.ts';
import { type SageStreamOptions, sageStreams } from './streams.ts';
import { SageTokens } from './tokens.ts';

export type SageConnectorOptions = SageStreamOptions;

export function createSageConnector(options: SageConnectorOptions = {}): Connector<SageAppSettings> {
  return {
    id: 'sage',
    displayName: 'Sage Accounting',
    description:
      'Payments, transfers, deposits, invoices, contacts and accounts from Sage Business Cloud Accounting (connects through Sage sign-in).',
    credentialFields: [],
    connect: sageConnect,
    verify: (input, ctx) => verify(input, ctx, options),
    streams: (credentials, session) => sageStreams(credentials, session, options),
    balances: (credentials, ctx, session) => balances(credentials, ctx, session, options),
  };
}

export const sageConnector: Connector<SageAppSettings> = createSageConnector();

async function verify(
  input: Credentials,
  ctx: SageContext,
  options: SageConnectorOptions,
): Promise<VerifyResult> {
  if (!input['refresh_token']) {
    throw new UserInputError(
      'Sage connects through Sage sign-in, not with typed keys: use /finsync connect sage and follow the button.',
    );
  }
  // Nothing is stored yet: a refresh needed here lands in the returned credentials, which the caller stores.
  let latest: Credentials = input;
  const tokens = new SageTokens({
    credentials: input,
    session: {
      save: async (next) => {
        latest = next;
      },
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const wanted = input['business_id']
    ? { id: input['business_id'], ...(input['business_name'] ? { name: input['business_name'] } : {}) }
    : undefined;
  const { chosen } = await chooseBusiness(new SageClient(tokens, null, ctx, options), wanted);
  const business = new SageClient(tokens, chosen.id, ctx, options);
  let baseCurrency: string | null = null;
  try {
    const settings = await business.object('/financial_settings');
    const currency = settings['base_currency'];
    const id =
      typeof currency === 'object' && currency !== null ? (currency as Record<string, unknown>)['id'] : null;
    baseCurrency = typeof id === 'string' ? normalizeCurrency(id) : null;
  } catch (error) {
    // Records carrying their own currency still work; only currency-less ones would be skipped.
    if (classify(error) === 'auth') throw error;
    ctx.log.warn('Sage financial settings could not be read; the base currency stays unknown', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return {
    credentials: {
      ...latest,
      business_id: chosen.id,
      business_name: chosen.name,
      ...(baseCurrency ? { base_currency: baseCurrency } : {}),
    },
    accountLabel: `${chosen.name} (${chosen.id})`.slice(0, 200),
    accountId: chosen.id,
  };
}

/**
 * Each bank account's `balance` (Sage's current ledger balance of the account), live. Sage's access tokens live
 * five minutes, so asking usually needs a refresh: it goes through `session` (the connection's conditional
 * save, as in a sync run), and without one an expired token answers "unavailable" rather than a rotation that
 * could not be stored.
 */
async function balances(
  credentials: Credentials,
  ctx: SageContext,
  session: CredentialSession | undefined,
  options: SageConnectorOptions,
): Promise<readonly AccountBalance[]> {
  const tokens = new SageTokens({
    credentials,
    ...(session ? { session } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  if (!session && !tokens.isFresh())
    throw new TransientError("Sage's access token has expired; balances show again after the next sync");
  const client = new SageClient(tokens, tokens.businessId, ctx, options);
  const asOf = new Date((options.now ?? Date.now)()).toISOString();
  const base = credentials['base_currency'];
  const found: AccountBalance[] = [];
  for await (const page of client.pages('/bank_accounts', { attributes: 'all', items_per_page: '200' })) {
    for (const account of page.items) {
      const balance = account['balance'];
      if (typeof balance !== 'string' || account['deleted_at']) continue;
      const ref = account['currency'];
      const code =
        typeof ref === 'object' && ref !== null && typeof (ref as Record<string, unknown>)['id'] === 'string'
          ? ((ref as Record<string, unknown>)['id'] as string)
          : base;
      if (!code) continue;
      const currency = normalizeCurrency(code);
      const name = typeof account['displayed_as'] === 'string' ? account['displayed_as'] : 'Bank account';
      found.push({
        account: `Sage ${name}`,
        currency,
        kind: 'current',
        amount: decimalToMinor(balance, currency),
        asOf,
      });
    }
  }
  return found;
}
