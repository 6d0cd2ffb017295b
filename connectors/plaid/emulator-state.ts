/**
 * The Plaid emulator's memory: items, tokens and each item's transaction change log.
 * A /transactions/sync cursor is a position in that log; a page answers the net changes between two positions,
 * the way Plaid collapses "added then modified" into one added object and hides "added then removed" entirely.
 */
import { randomUUID } from 'node:crypto';
import type { AccountBase, Products, RemovedTransaction, Transaction } from 'plaid';
import { decimalToMinor } from '../../src/money.ts';
import { type Cursor, decodeCursor, encodeCursor, type LogEntry, netChanges } from './emulator-changelog.ts';
import {
  daysBefore,
  type EmuAccount,
  type EmuTransaction,
  generateAccounts,
  generateTransactions,
  seededRandom,
} from './emulator-data.ts';
import { PlaidApiError } from './emulator-errors.ts';
import { accountWire, transactionWire } from './emulator-wire.ts';

export { PlaidApiError } from './emulator-errors.ts';

export interface EmuItem {
  readonly itemId: string;
  readonly number: number;
  readonly institutionId: string;
  readonly accounts: readonly EmuAccount[];
  readonly products: readonly Products[];
  readonly webhook: string | null;
  readonly accessToken: string;
  readonly createdAt: string;
  /** Error code the item is in (e.g. ITEM_LOGIN_REQUIRED), null when healthy. */
  error: string | null;
  readonly log: LogEntry[];
  generated: number;
  readonly random: () => number;
}

export interface TransactionPatch {
  /** Plaid-signed decimal (positive = money leaving the account). */
  readonly amount?: number | string;
  readonly name?: string;
  readonly merchantName?: string | null;
  readonly pending?: boolean;
  readonly date?: string;
}

/** How a pending transaction posts (Plaid-signed amounts: positive = money leaving the account). */
export interface Posting {
  /** The posted amount as a decimal (a tip added, a hold released); default: the pending amount. */
  readonly amount?: number | string;
  /** The posting date (YYYY-MM-DD); default: the emulator's today, or the day after the pending date if later. */
  readonly date?: string;
  /** The posting date and time when the bank gives one; default none (a date only). */
  readonly datetime?: string | null;
}

export interface SyncResult {
  readonly added: Transaction[];
  readonly modified: Transaction[];
  readonly removed: RemovedTransaction[];
  readonly next_cursor: string;
  readonly has_more: boolean;
  readonly accounts: AccountBase[];
}

export interface EmulatorDataOptions {
  readonly transactionsPerItem: number;
  readonly today: string;
  readonly seed: number;
}

export class EmulatorState {
  readonly items = new Map<string, EmuItem>();
  private readonly byAccessToken = new Map<string, EmuItem>();
  private readonly publicTokens = new Map<string, string>();
  /** Link tokens made in update mode → the item they log in again. */
  readonly updateModeTokens = new Map<string, string>();
  /** Link tokens not yet used in Link (emulator-link.ts): what an item linked with each one gets. */
  readonly linkTokens = new Map<
    string,
    { readonly products: readonly Products[]; readonly webhook: string | null }
  >();
  private mutationArmed = false;
  private armedChange: (() => void) | undefined;

  constructor(private readonly options: EmulatorDataOptions) {}

  createItem(institutionId: string, products: readonly Products[], webhook: string | null): EmuItem {
    const number = this.items.size + 1;
    const accounts = generateAccounts(number);
    const item: EmuItem = {
      itemId: `item-sandbox-${number}`,
      number,
      institutionId,
      accounts,
      products,
      webhook,
      accessToken: `access-sandbox-${randomUUID()}`,
      createdAt: new Date().toISOString(),
      error: null,
      log: [],
      generated: 0,
      random: seededRandom(this.options.seed * 1000 + number),
    };
    this.items.set(item.itemId, item);
    this.byAccessToken.set(item.accessToken, item);
    this.add(item, this.options.transactionsPerItem);
    return item;
  }

  createPublicToken(item: EmuItem): string {
    const token = `public-sandbox-${randomUUID()}`;
    this.publicTokens.set(token, item.itemId);
    return token;
  }

  /** Public tokens are single use, as at Plaid. */
  exchange(publicToken: string): EmuItem {
    const itemId = this.publicTokens.get(publicToken);
    const item = itemId === undefined ? undefined : this.items.get(itemId);
    if (!item) {
      throw new PlaidApiError(
        400,
        'INVALID_INPUT',
        'INVALID_PUBLIC_TOKEN',
        'provided public token is in an invalid format. expected format: public-<environment>-<identifier>',
      );
    }
    this.publicTokens.delete(publicToken);
    return item;
  }

  itemForToken(accessToken: unknown): EmuItem {
    const item = typeof accessToken === 'string' ? this.byAccessToken.get(accessToken) : undefined;
    if (!item) {
      throw new PlaidApiError(
        400,
        'INVALID_INPUT',
        'INVALID_ACCESS_TOKEN',
        'provided access token is in an invalid format. expected format: access-<environment>-<identifier>',
      );
    }
    return item;
  }

  /** Data endpoints refuse an item that needs its user to log in again; /item/get still answers. */
  requireHealthy(item: EmuItem): void {
    if (item.error === 'ITEM_LOGIN_REQUIRED') {
      throw new PlaidApiError(
        400,
        'ITEM_ERROR',
        'ITEM_LOGIN_REQUIRED',
        "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
        'The login details of this account have changed. Please log in again.',
      );
    }
  }

  itemOf(id: string | undefined): EmuItem {
    const item = id === undefined ? [...this.items.values()].at(-1) : this.items.get(id);
    if (!item) throw new Error(id === undefined ? 'the emulator has no item yet' : `unknown item ${id}`);
    return item;
  }

  current(item: EmuItem): Map<string, EmuTransaction> {
    const state = new Map<string, EmuTransaction>();
    for (const entry of item.log) {
      if (entry.txn) state.set(entry.id, entry.txn);
      else state.delete(entry.id);
    }
    return state;
  }

  add(item: EmuItem, count: number): EmuTransaction[] {
    const created = generateTransactions(
      item.number,
      item.accounts,
      item.generated,
      count,
      item.random,
      this.options.today,
    );
    item.generated += count;
    for (const txn of created) item.log.push({ id: txn.id, accountId: txn.accountId, txn });
    return created;
  }

  modify(ids: readonly string[], patch: TransactionPatch | undefined): EmuTransaction[] {
    return ids.map((id) => {
      const [item, before] = this.find(id);
      const amount = patch?.amount;
      const after: EmuTransaction = {
        ...before,
        minor: amount === undefined ? before.minor : decimalToMinor(amount, before.currency),
        name: patch?.name ?? `${before.name} (amended)`,
        merchantName: patch?.merchantName === undefined ? before.merchantName : patch.merchantName,
        pending: patch?.pending ?? before.pending,
        date: patch?.date ?? before.date,
      };
      item.log.push({ id, accountId: after.accountId, txn: after });
      return after;
    });
  }

  /**
   * Posts pending transactions the way Plaid reports it: the pending transaction is removed and a new posted one
   * is added, with its own id, its posting date, `pending_transaction_id` naming the pending one, and the pending
   * date as its authorized date. Returns the posted transactions, in the order of `ids`.
   */
  post(ids: readonly string[], posting: Posting = {}): EmuTransaction[] {
    return ids.map((id) => {
      const [item, before] = this.find(id);
      if (!before.pending) throw new Error(`transaction ${id} is not pending`);
      const number = item.generated++;
      const date = posting.date ?? laterOf(this.options.today, daysAfter(before.date, 1));
      const posted: EmuTransaction = {
        ...before,
        id: `txn-${item.number}-${String(number).padStart(5, '0')}`,
        minor: posting.amount === undefined ? before.minor : decimalToMinor(posting.amount, before.currency),
        date,
        datetime: posting.datetime ?? null,
        pending: false,
        pendingTransactionId: id,
        authorized: { date: before.date, datetime: before.datetime },
      };
      item.log.push({ id, accountId: before.accountId, txn: null });
      item.log.push({ id: posted.id, accountId: posted.accountId, txn: posted });
      return posted;
    });
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const [item, before] = this.find(id);
      item.log.push({ id, accountId: before.accountId, txn: null });
    }
  }

  /** The next request inside a pagination set will see a change and fail, as Plaid does. */
  /** The next page request inside a set first applies `change` (default: one new transaction). */
  armMutation(change?: () => void): void {
    this.mutationArmed = true;
    this.armedChange = change;
  }

  sync(item: EmuItem, cursorText: unknown, count: number): SyncResult {
    const cursor = decodeCursor(item.itemId, item.log.length, cursorText);
    if (cursor.e !== undefined) {
      if (this.mutationArmed) {
        this.mutationArmed = false;
        const change = this.armedChange;
        this.armedChange = undefined;
        if (change) change();
        else this.add(item, 1);
      }
      if (item.log.length !== cursor.e) {
        throw new PlaidApiError(
          400,
          'TRANSACTIONS_ERROR',
          'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
          'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.',
        );
      }
    }
    const end = cursor.e ?? item.log.length;
    const offset = cursor.o ?? 0;
    const changes = netChanges(item.log, cursor.p, end);
    const page = changes.slice(offset, offset + count);
    const hasMore = offset + count < changes.length;
    return {
      added: page.filter((c) => c.kind === 'added').map((c) => transactionWire(c.txn!)),
      modified: page.filter((c) => c.kind === 'modified').map((c) => transactionWire(c.txn!)),
      removed: page
        .filter((c) => c.kind === 'removed')
        .map((c) => ({ transaction_id: c.id, account_id: c.accountId })),
      next_cursor: encodeCursor(
        item.itemId,
        hasMore ? ({ p: cursor.p, e: end, o: offset + count } satisfies Cursor) : { p: end },
      ),
      has_more: hasMore,
      accounts: item.accounts.map(accountWire),
    };
  }

  private find(id: string): [EmuItem, EmuTransaction] {
    for (const item of this.items.values()) {
      const txn = this.current(item).get(id);
      if (txn) return [item, txn];
    }
    throw new Error(`unknown transaction ${id}`);
  }
}

function daysAfter(day: string, days: number): string {
  return daysBefore(day, -days);
}

/** The later of two YYYY-MM-DD dates (they compare as strings). */
function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}
