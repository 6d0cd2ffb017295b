/**
 * Plaid's live balances (`/accounts/balance/get`, which asks the bank now rather than returning the cached
 * figures of /accounts/get): each account's `available` and `current`, in ISO minor units. `current` is what a
 * credit or loan account owes, so it is named so. `last_updated_datetime` is the as-of time where the
 * institution gives one (Plaid: only some do); otherwise the time of asking.
 */
import type { AccountBase } from 'plaid';
import { AuthError } from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import { decimalToMinor, normalizeCurrency } from '../../src/money.ts';
import type { AccountBalance, Credentials } from '../types.ts';
import { createPlaidClient, type PlaidClientOptions } from './client.ts';
import type { PlaidContext } from './settings.ts';

const LIABILITY_TYPES = new Set(['credit', 'loan']);

export async function plaidBalances(
  credentials: Credentials,
  ctx: PlaidContext,
  options: PlaidClientOptions = {},
): Promise<readonly AccountBalance[]> {
  const accessToken = credentials['access_token'];
  if (!accessToken)
    throw new AuthError('The stored Plaid credentials have no access token; connect the bank again.');
  registerSecret(accessToken);
  // Someone is waiting: one attempt; the caller bounds the wait.
  const client = createPlaidClient(ctx.settings, { ...options, retry: { ...options.retry, attempts: 1 } });
  const response = await client.call(
    '/accounts/balance/get',
    (api, opts) => api.accountsBalanceGet({ access_token: accessToken }, opts),
    ctx,
    [accessToken],
  );
  const asked = new Date().toISOString();
  const accounts: readonly AccountBase[] = Array.isArray(response.accounts) ? response.accounts : [];
  return accounts.flatMap((account) => {
    const b = account.balances;
    // An unofficial currency (crypto) has no ISO minor unit to show it in.
    if (!b?.iso_currency_code) return [];
    const currency = normalizeCurrency(b.iso_currency_code);
    const name = account.name?.trim() || 'Plaid account';
    const label = account.mask ? `${name} ••${account.mask}` : name;
    const asOf = b.last_updated_datetime ? new Date(b.last_updated_datetime).toISOString() : asked;
    const owed = LIABILITY_TYPES.has(String(account.type));
    const figures: [string, number | null | undefined][] = [
      ['available', b.available],
      [owed ? 'owed' : 'current', b.current],
    ];
    return figures
      .filter((f): f is [string, number] => typeof f[1] === 'number')
      .map(([kind, value]) => ({
        account: label,
        currency,
        kind,
        amount: decimalToMinor(value, currency),
        asOf,
      }));
  });
}
