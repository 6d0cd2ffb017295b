/**
 * Plaid streams: `accounts` (a snapshot of balances from /accounts/get) and `transactions` (/transactions/sync).
 *
 * /transactions/sync hands out changes in pagination sets: only the `next_cursor` of a set's last page
 * (has_more false) is a safe place to resume, so pages inside a set carry no cursor (records stored, cursor not
 * advanced) and the last page carries `{ cursor: next_cursor }`. If Plaid's data changes mid-set it answers
 * TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION and the whole set is read again from the cursor it started from.
 */
import type { AccountBase, Transaction, TransactionsSyncResponse } from 'plaid';
import { AuthError, TransientError } from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import type { Credentials, Page, Stream, StreamCursor } from '../types.ts';
import { createPlaidClient, type PlaidClientOptions, PlaidMutationDuringPaginationError } from './client.ts';
import { normalizeAccount, normalizeTransaction, type PlaidAccountSnapshot } from './normalize.ts';
import type { PlaidContext, PlaidSettings } from './settings.ts';

/** Plaid's maximum page size: fewest requests against its per-item rate limits. */
export const SYNC_PAGE_SIZE = 500;
/** Restarts of one pagination set after MUTATION_DURING_PAGINATION before giving the error to the engine. */
export const MAX_PAGINATION_RESTARTS = 5;

export interface PlaidStreamOptions extends PlaidClientOptions {
  readonly maxPaginationRestarts?: number;
}

export function plaidStreams(credentials: Credentials, options: PlaidStreamOptions = {}): readonly Stream[] {
  return [accountsStream(credentials, options), transactionsStream(credentials, options)];
}

function accessTokenOf(credentials: Credentials): string {
  const token = credentials['access_token'];
  if (!token)
    throw new AuthError('The stored Plaid credentials have no access token; connect the bank again.');
  registerSecret(token);
  return token;
}

export function accountsStream(
  credentials: Credentials,
  options: PlaidStreamOptions = {},
): Stream<PlaidAccountSnapshot, PlaidSettings> {
  return {
    name: 'accounts',
    primaryKey: 'account_id',
    async *read(cursor, ctx) {
      const accessToken = accessTokenOf(credentials);
      const client = createPlaidClient(ctx.settings, options);
      const response = await client.call(
        '/accounts/get',
        (api, opts) => api.accountsGet({ access_token: accessToken }, opts),
        ctx,
        [accessToken],
      );
      const asOf = new Date().toISOString();
      const accounts: readonly AccountBase[] = response.accounts;
      if (!Array.isArray(accounts))
        throw new TransientError('Plaid /accounts/get answered a body without accounts');
      const ids = accounts.map((a) => a.account_id);
      // A snapshot has no change log: an account missing since the last read was closed or unlinked.
      const previous = Array.isArray(cursor?.['accountIds']) ? (cursor['accountIds'] as unknown[]) : [];
      const removedIds = previous.filter((id): id is string => typeof id === 'string' && !ids.includes(id));
      yield {
        objects: accounts.map((a) => ({ ...a, as_of: asOf })),
        removedIds,
        cursor: { accountIds: ids, asOf },
      };
    },
    normalize: normalizeAccount,
    externalId: (raw) => (typeof raw.account_id === 'string' ? raw.account_id : undefined),
  };
}

export function transactionsStream(
  credentials: Credentials,
  options: PlaidStreamOptions = {},
): Stream<Transaction, PlaidSettings> {
  return {
    name: 'transactions',
    primaryKey: 'transaction_id',
    read: (cursor, ctx) => readTransactions(credentials, cursor, ctx, options),
    normalize: normalizeTransaction,
    externalId: (raw) => (typeof raw.transaction_id === 'string' ? raw.transaction_id : undefined),
  };
}

async function* readTransactions(
  credentials: Credentials,
  cursor: StreamCursor | null,
  ctx: PlaidContext,
  options: PlaidStreamOptions,
): AsyncGenerator<Page<Transaction>> {
  const accessToken = accessTokenOf(credentials);
  const client = createPlaidClient(ctx.settings, options);
  const maxRestarts = options.maxPaginationRestarts ?? MAX_PAGINATION_RESTARTS;
  const start = startCursor(cursor, ctx);
  /**
   * Ids that abandoned attempts stored as added. A restarted set reports changes relative to `start`, so a
   * transaction added and removed in between (a pending one that posted, say) never shows up again, not even
   * as removed: unless the finished set mentions it, it is removed together with the final cursor.
   */
  const unconfirmed = new Set<string>();

  for (let restarts = 0; ; restarts++) {
    const pending = new Set(unconfirmed);
    const addedThisAttempt: string[] = [];
    let position = start;
    for (;;) {
      let response: SyncPage;
      try {
        const data = await client.call(
          '/transactions/sync',
          (api, opts) =>
            api.transactionsSync(
              { access_token: accessToken, cursor: position, count: SYNC_PAGE_SIZE },
              opts,
            ),
          ctx,
          [accessToken],
        );
        response = checkSyncPage(data);
      } catch (error) {
        if (error instanceof PlaidMutationDuringPaginationError && restarts < maxRestarts) break;
        throw error;
      }
      const removedIds = response.removed.map((r) => r.transaction_id);
      for (const t of response.added) addedThisAttempt.push(t.transaction_id);
      for (const t of [...response.added, ...response.modified]) pending.delete(t.transaction_id);
      for (const id of removedIds) pending.delete(id);
      const objects = [...response.added, ...response.modified];
      if (!response.has_more) {
        yield { objects, removedIds: [...removedIds, ...pending], cursor: { cursor: response.next_cursor } };
        return;
      }
      yield { objects, removedIds };
      position = response.next_cursor;
    }
    for (const id of addedThisAttempt) unconfirmed.add(id);
    ctx.log.warn('Plaid data changed during pagination; restarting the set from its start cursor', {
      restart: restarts + 1,
      maxRestarts,
    });
  }
}

type SyncPage = Pick<TransactionsSyncResponse, 'added' | 'modified' | 'removed' | 'next_cursor' | 'has_more'>;

/** The SDK's types are a promise, not a check: a body without these fields must not pass for "no changes". */
function checkSyncPage(data: TransactionsSyncResponse): SyncPage {
  const d = data as Partial<TransactionsSyncResponse> | null;
  if (
    !d ||
    !Array.isArray(d.added) ||
    !Array.isArray(d.modified) ||
    !Array.isArray(d.removed) ||
    typeof d.next_cursor !== 'string' ||
    typeof d.has_more !== 'boolean'
  ) {
    throw new TransientError(
      'Plaid /transactions/sync answered a body without added/modified/removed/next_cursor',
    );
  }
  return d as SyncPage;
}

/** The stored cursor; null (first sync) starts from Plaid's beginning, "". */
function startCursor(cursor: StreamCursor | null, ctx: PlaidContext): string {
  if (cursor === null) return '';
  const value = cursor['cursor'];
  if (typeof value === 'string') return value;
  // Re-reading everything is safe (records are upserted by id); only slower.
  ctx.log.warn('Plaid transactions cursor is unreadable; syncing from the beginning');
  return '';
}
