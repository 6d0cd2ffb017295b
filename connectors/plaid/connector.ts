/**
 * The Plaid connector. A person connects a bank through Plaid Link, which yields a one-time `public_token`;
 * `verify` exchanges it for the long-lived `access_token` that is stored. The app's own developer keys come from
 * settings (PLAID_CLIENT_ID, PLAID_SECRET), never from the person.
 */
import type { CountryCode } from 'plaid';
import { AuthError, classify, UserInputError } from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import type { Connector, Credentials, VerifyResult } from '../types.ts';
import { plaidBalances } from './balances.ts';
import { createPlaidClient, type PlaidClient, type PlaidClientOptions } from './client.ts';
import { plaidConnect } from './connect.ts';
import type { PlaidContext, PlaidSettings } from './settings.ts';
import { type PlaidStreamOptions, plaidStreams } from './streams.ts';

export type PlaidConnectorOptions = PlaidStreamOptions;

/** A connector with non-default timeouts or retry policy (tests, the sandbox). */
export function createPlaidConnector(options: PlaidConnectorOptions = {}): Connector<PlaidSettings> {
  return {
    id: 'plaid',
    displayName: 'Plaid',
    description: 'Bank accounts and card transactions through Plaid (balances and transactions).',
    credentialFields: [
      {
        key: 'public_token',
        label: 'Plaid Link public token',
        secret: true,
        placeholder: 'public-production-…',
        hint: 'Produced by Plaid Link when you log in to your bank; finsync exchanges it once for an access token.',
      },
    ],
    connect: plaidConnect,
    verify: (input, ctx) => verify(input, ctx, options),
    streams: (credentials) => plaidStreams(credentials, options),
    balances: (credentials, ctx) => plaidBalances(credentials, ctx, options),
  };
}

export const plaidConnector: Connector<PlaidSettings> = createPlaidConnector();

async function verify(
  input: Credentials,
  ctx: PlaidContext,
  options: PlaidClientOptions,
): Promise<VerifyResult> {
  const client = createPlaidClient(ctx.settings, options);
  const stored = input['access_token'];
  // Already exchanged credentials (a re-check of a stored connection) are verified as they are.
  if (stored) {
    registerSecret(stored);
    const label = await describeItem(client, stored, ctx);
    return { credentials: { access_token: stored, item_id: label.itemId }, ...label.result };
  }
  const publicToken = input['public_token']?.trim();
  if (!publicToken)
    throw new UserInputError('A Plaid public token is required: connect the bank through Plaid Link.', {
      field: 'public_token',
    });
  registerSecret(publicToken);
  const exchanged = await client.call(
    '/item/public_token/exchange',
    (api, opts) => api.itemPublicTokenExchange({ public_token: publicToken }, opts),
    ctx,
    [publicToken],
  );
  registerSecret(exchanged.access_token);
  const credentials = { access_token: exchanged.access_token, item_id: exchanged.item_id };
  try {
    const label = await describeItem(client, exchanged.access_token, ctx);
    return { credentials, ...label.result };
  } catch (error) {
    // The public token is spent: losing the access token over a label would force the person through Link again.
    if (classify(error) === 'auth') throw error;
    ctx.log.warn('Plaid item lookup failed after the exchange; storing the connection with a plain label', {
      error: error instanceof Error ? error.message : String(error),
    });
    return { credentials, accountLabel: `Plaid item (${exchanged.item_id})`, accountId: exchanged.item_id };
  }
}

/** /item/get (is the item healthy?) plus the bank's name for the label. */
async function describeItem(
  client: PlaidClient,
  accessToken: string,
  ctx: PlaidContext,
): Promise<{ itemId: string; result: Omit<VerifyResult, 'credentials'> }> {
  const { item } = await client.call(
    '/item/get',
    (api, opts) => api.itemGet({ access_token: accessToken }, opts),
    ctx,
    [accessToken],
  );
  if (item.error) {
    throw new AuthError(
      `Plaid reports a problem with this bank connection: ${item.error.error_message} (${item.error.error_code})`,
    );
  }
  const institution = await institutionName(
    client,
    item.institution_id ?? null,
    item.institution_name ?? null,
    ctx,
  );
  return {
    itemId: item.item_id,
    result: { accountLabel: `${institution ?? 'Plaid item'} (${item.item_id})`, accountId: item.item_id },
  };
}

/** The bank's name for the label; the label is a nicety, so a failed lookup (other than auth) is not fatal. */
async function institutionName(
  client: PlaidClient,
  institutionId: string | null,
  known: string | null,
  ctx: PlaidContext,
): Promise<string | null> {
  if (known) return known;
  if (!institutionId) return null;
  try {
    const { institution } = await client.call(
      '/institutions/get_by_id',
      (api, opts) =>
        api.institutionsGetById(
          { institution_id: institutionId, country_codes: ['US' as CountryCode] },
          opts,
        ),
      ctx,
    );
    return institution.name;
  } catch (error) {
    if (classify(error) === 'auth') throw error;
    ctx.log.warn('Plaid institution lookup failed; labelling the connection by its institution id', {
      institutionId,
      error: error instanceof Error ? error.message : String(error),
    });
    return institutionId;
  }
}

// The Link helpers moved beside the Link page's connect mode; tests and the sandbox still import them here.
export { createPlaidLinkToken, createSandboxPublicToken, type LinkTokenRequest } from './link-tokens.ts';
