/**
 * Plaid objects to ledger records. Pure; the raw objects are checked here, at the edge, because the SDK's types
 * are only a promise about the JSON.
 *
 * Sign convention: Plaid's transaction `amount` is positive when money LEAVES the account (a purchase) and
 * negative when it comes in (a deposit). The ledger's is the opposite (positive = money into the business), so
 * a record's amount is −(Plaid amount), converted exactly to minor units by `decimalToMinor`.
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
      status: raw.pending ? 'pending' : 'posted',
      moneyMovement: true,
      raw: { type: 'transaction', id },
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
