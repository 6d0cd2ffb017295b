/**
 * Plaid objects to ledger records. Pure; the raw objects are checked here, at the edge, because the SDK's types
 * are only a promise about the JSON.
 *
 * Sign convention: Plaid's transaction `amount` is positive when money LEAVES the account (a purchase) and
 * negative when it comes in (a deposit). The ledger's is the opposite (positive = money into the business), so
 * a record's amount is −(Plaid amount), converted exactly to minor units by `decimalToMinor`.
 *
 * Pending rows (the rule for every bank source; `bankRow` below is what a bank connector calls to follow it):
 * only POSTED bank rows are cash. A bank shows a card payment first as a pending row, dated the day it happened,
 * and later as a posted row, dated the day it posted and often with another amount (a tip added, a hold
 * released). Counting both would count one payment twice, on two different days, and a digest already sent for
 * the first day cannot be taken back. So:
 * - a pending row is stored with status `pending` and `moneyMovement: false`: visible in the ledger and the
 *   exports, never in a money total;
 * - a posted row is the money movement (status `posted`, `moneyMovement: true`), counted once, on its posted
 *   date, at its posted amount;
 * - the link from a posted row to the pending row it replaces (Plaid's `pending_transaction_id`) travels in the
 *   record's raw reference, as a parameter of its type: `raw: { type: 'transaction;pending=<pending id>', id }`
 *   (`pendingPredecessorOf` reads it back). The ledger has no link field and this needs none: `raw.id` still
 *   names the posted object itself.
 * Plaid's /transactions/sync reports the posting as the pending transaction removed plus the posted one added
 * (with `pending_transaction_id`), so the pending record also leaves the store; a source that keeps its pending
 * rows is still counted once, because a pending row never counts.
 *
 * Account balances: positive = an asset. Plaid's `current` is what a depository/investment account holds but
 * what is OWED on a credit or loan account, so for those the record's amount is −current (a liability).
 */
import type { AccountBase, Transaction } from 'plaid';
import { InvalidDataError } from '../../src/errors.ts';
import { decimalToMinor, normalizeCurrency } from '../../src/money.ts';
import { type RecordDraft, recordId } from '../../src/records.ts';

/** An account as read by the accounts stream, stamped with when its balance was read. */
export type PlaidAccountSnapshot = AccountBase & { readonly as_of: string };

const PROVIDER = 'plaid';
const LIABILITY_TYPES = new Set(['credit', 'loan']);

export function normalizeTransaction(raw: Transaction): RecordDraft {
  const id = requireText(raw, 'transaction_id', undefined);
  try {
    const currency = currencyOf(raw.iso_currency_code, raw.unofficial_currency_code);
    if (typeof raw.amount !== 'number') throw new InvalidDataError('amount is missing', id);
    const plaidMinor = decimalToMinor(raw.amount, currency);
    const name = typeof raw.name === 'string' ? raw.name.trim() : '';
    const merchant = typeof raw.merchant_name === 'string' ? raw.merchant_name.trim() : '';
    return {
      id: recordId(PROVIDER, 'transactions', id),
      provider: PROVIDER,
      stream: 'transactions',
      kind: 'transaction',
      amount: plaidMinor === 0 ? 0 : -plaidMinor,
      currency,
      occurredAt: occurredAt(raw.datetime, raw.date),
      description: name || merchant || 'Plaid transaction',
      counterparty: merchant || name || null,
      ...bankRow('transaction', id, raw.pending === true, textOrNull(raw.pending_transaction_id)),
    };
  } catch (error) {
    throw withObjectId(error, id);
  }
}

export function normalizeAccount(raw: PlaidAccountSnapshot): RecordDraft {
  const id = requireText(raw, 'account_id', undefined);
  try {
    const balances = raw.balances;
    if (typeof balances !== 'object' || balances === null)
      throw new InvalidDataError('balances are missing', id);
    const currency = currencyOf(balances.iso_currency_code, balances.unofficial_currency_code);
    const liability = LIABILITY_TYPES.has(String(raw.type));
    // `available` stands in only where it means the same thing (money held), never for a credit line.
    const balance = balances.current ?? (liability ? null : balances.available);
    const minor = typeof balance === 'number' ? decimalToMinor(balance, currency) : null;
    const signed = minor === null || minor === 0 ? 0 : liability ? -minor : minor;
    const name = typeof raw.name === 'string' && raw.name.trim() ? raw.name.trim() : 'Plaid account';
    return {
      id: recordId(PROVIDER, 'accounts', id),
      provider: PROVIDER,
      stream: 'accounts',
      kind: 'account',
      amount: signed,
      currency,
      occurredAt: isoInstant(balances.last_updated_datetime ?? raw.as_of, 'as_of'),
      description: raw.mask ? `${name} ••${raw.mask}` : name,
      counterparty: null,
      status: minor === null ? 'balance_unavailable' : 'active',
      moneyMovement: false,
      raw: { type: 'account', id },
    };
  } catch (error) {
    throw withObjectId(error, id);
  }
}

/** The fields of a bank row's record that say whether it is cash: see "Pending rows" above. */
export type BankRowFields = Pick<RecordDraft, 'status' | 'moneyMovement' | 'raw'>;

const PENDING_PARAMETER = ';pending=';

/**
 * The rule for a bank row (Plaid's transactions today, any bank source tomorrow): a pending row is not a money
 * movement; a posted one is, and names the pending row it replaces (when the bank links them) in its raw type.
 */
export function bankRow(
  type: string,
  id: string,
  pending: boolean,
  pendingPredecessorId: string | null,
): BankRowFields {
  if (pending) return { status: 'pending', moneyMovement: false, raw: { type, id } };
  const linked = pendingPredecessorId === null ? type : `${type}${PENDING_PARAMETER}${pendingPredecessorId}`;
  return { status: 'posted', moneyMovement: true, raw: { type: linked, id } };
}

/** The id of the pending row a posted bank row replaced, when its source linked them; else null. */
export function pendingPredecessorOf(raw: { readonly type: string }): string | null {
  const at = raw.type.indexOf(PENDING_PARAMETER);
  return at < 0 ? null : raw.type.slice(at + PENDING_PARAMETER.length) || null;
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** ISO code first; an unofficial code (e.g. a crypto asset) is accepted only when it really is ISO 4217. */
function currencyOf(iso: string | null | undefined, unofficial: string | null | undefined): string {
  if (typeof iso === 'string' && iso !== '') return normalizeCurrency(iso);
  if (typeof unofficial === 'string' && unofficial !== '') {
    try {
      return normalizeCurrency(unofficial);
    } catch {
      throw new InvalidDataError(
        `unofficial currency "${unofficial.slice(0, 10)}" is not an ISO 4217 code`,
        undefined,
      );
    }
  }
  throw new InvalidDataError('currency is missing', undefined);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `datetime` when Plaid has the time, else the posting `date` at UTC midnight. */
function occurredAt(datetime: string | null | undefined, date: string | null | undefined): string {
  if (typeof datetime === 'string' && datetime !== '') return isoInstant(datetime, 'datetime');
  if (typeof date === 'string' && DATE.test(date)) return isoInstant(`${date}T00:00:00Z`, 'date');
  throw new InvalidDataError(`date "${String(date).slice(0, 30)}" is not a YYYY-MM-DD date`, undefined);
}

function isoInstant(text: string, field: string): string {
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new InvalidDataError(`${field} "${text.slice(0, 30)}" is not a date`, undefined);
  return at.toISOString();
}

function requireText(raw: object, field: string, objectId: string | undefined): string {
  const value = (raw as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value === '') throw new InvalidDataError(`${field} is missing`, objectId);
  return value;
}

/** money.ts does not know which object it was parsing; the engine reports skipped objects by id. */
function withObjectId(error: unknown, id: string): unknown {
  if (error instanceof InvalidDataError && error.objectId === undefined)
    return new InvalidDataError(error.message, id);
  return error;
}
