/**
 * QuickBooks Online entities to ledger records. Pure; the raw JSON is checked here, at the edge.
 *
 * Kind and sign (ledger convention: positive = money into the business):
 * - Invoice → kind `invoice`, amount = +TotalAmt: money the customer owes the business (a receivable).
 *   Not cash, so `moneyMovement: false`; status from Balance: open (nothing paid), partially_paid, paid,
 *   void (QuickBooks voids an invoice by zeroing it and noting "Voided").
 * - Payment → kind `payment`, amount = +TotalAmt: money received from a customer, `moneyMovement: true`.
 *   When it pays an invoice, the invoice is the claim and the payment the cash: totals over moneyMovement
 *   records count the money once. Status: applied, partially_applied or unapplied (UnappliedAmt).
 * - Customer → kind `customer`, amount 0, currency null, status active/inactive.
 * Currency: the transaction's CurrencyRef (multi-currency companies), else the company's home currency.
 * Amounts arrive as JSON numbers (0.3, 4.35, 12.345) and become exact minor units via decimalToMinor
 * (KWD has three decimals, JPY none); no float arithmetic touches them.
 */
import { InvalidDataError } from '../../src/errors.ts';
import { decimalToMinor, normalizeCurrency } from '../../src/money.ts';
import { type RecordDraft, recordId } from '../../src/records.ts';
import type { QuickBooksObject } from './client.ts';

const PROVIDER = 'quickbooks';

export function normalizeCustomer(raw: QuickBooksObject): RecordDraft {
  const id = requireId(raw);
  try {
    const name = text(raw['DisplayName']) || text(raw['CompanyName']) || `Customer ${id}`;
    return {
      id: recordId(PROVIDER, 'customers', id),
      provider: PROVIDER,
      stream: 'customers',
      kind: 'customer',
      amount: 0,
      currency: null,
      occurredAt: instant(meta(raw, 'CreateTime') ?? meta(raw, 'LastUpdatedTime'), 'MetaData.CreateTime'),
      description: name,
      counterparty: name,
      status: raw['Active'] === false ? 'inactive' : 'active',
      moneyMovement: false,
      raw: { type: 'Customer', id },
    };
  } catch (error) {
    throw withObjectId(error, id);
  }
}

export function normalizeInvoice(raw: QuickBooksObject, homeCurrency?: string): RecordDraft {
  const id = requireId(raw);
  try {
    const currency = currencyOf(raw, homeCurrency);
    const total = money(raw, 'TotalAmt', currency);
    const balance = raw['Balance'] === undefined ? total : money(raw, 'Balance', currency);
    const docNumber = text(raw['DocNumber']);
    return {
      id: recordId(PROVIDER, 'invoices', id),
      provider: PROVIDER,
      stream: 'invoices',
      kind: 'invoice',
      amount: total,
      currency,
      occurredAt: txnInstant(raw),
      description: `Invoice ${docNumber || id}`,
      counterparty: refName(raw, 'CustomerRef'),
      status: invoiceStatus(total, balance, text(raw['PrivateNote'])),
      moneyMovement: false,
      raw: { type: 'Invoice', id },
    };
  } catch (error) {
    throw withObjectId(error, id);
  }
}

export function normalizePayment(raw: QuickBooksObject, homeCurrency?: string): RecordDraft {
  const id = requireId(raw);
  try {
    const currency = currencyOf(raw, homeCurrency);
    const total = money(raw, 'TotalAmt', currency);
    const unapplied = raw['UnappliedAmt'] === undefined ? 0 : money(raw, 'UnappliedAmt', currency);
    const reference = text(raw['PaymentRefNum']);
    return {
      id: recordId(PROVIDER, 'payments', id),
      provider: PROVIDER,
      stream: 'payments',
      kind: 'payment',
      amount: total,
      currency,
      occurredAt: txnInstant(raw),
      description: `Payment ${reference || id}`,
      counterparty: refName(raw, 'CustomerRef'),
      status: unapplied <= 0 ? 'applied' : unapplied >= total ? 'unapplied' : 'partially_applied',
      moneyMovement: true,
      raw: { type: 'Payment', id },
    };
  } catch (error) {
    throw withObjectId(error, id);
  }
}

export function invoiceStatus(total: number, balance: number, privateNote: string): string {
  if (total === 0 && balance === 0 && /voided/i.test(privateNote)) return 'void';
  if (balance <= 0) return 'paid';
  if (balance >= total) return 'open';
  return 'partially_paid';
}

function requireId(raw: QuickBooksObject): string {
  const id = raw['Id'];
  if (typeof id !== 'string' || id === '') throw new InvalidDataError('Id is missing', undefined);
  return id;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function object(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function refName(raw: QuickBooksObject, field: string): string | null {
  return text(object(raw[field])['name']) || null;
}

function meta(raw: QuickBooksObject, field: string): string | undefined {
  const value = object(raw['MetaData'])[field];
  return typeof value === 'string' ? value : undefined;
}

function currencyOf(raw: QuickBooksObject, homeCurrency: string | undefined): string {
  const ref = text(object(raw['CurrencyRef'])['value']);
  if (ref) return normalizeCurrency(ref);
  if (homeCurrency) return normalizeCurrency(homeCurrency);
  throw new InvalidDataError(
    'no CurrencyRef and the company home currency is unknown (verify again)',
    undefined,
  );
}

/** Intuit sends JSON numbers; a numeric string is accepted too. Either way decimalToMinor converts exactly. */
function money(raw: QuickBooksObject, field: string, currency: string): number {
  const value = raw[field];
  if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')) {
    return decimalToMinor(value, currency);
  }
  throw new InvalidDataError(`${field} is missing`, undefined);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** TxnDate is a calendar date in the company's time zone: recorded as that date at 00:00 UTC. */
function txnInstant(raw: QuickBooksObject): string {
  const date = text(raw['TxnDate']);
  if (DATE.test(date)) return instant(`${date}T00:00:00Z`, 'TxnDate');
  return instant(meta(raw, 'CreateTime'), 'TxnDate');
}

function instant(value: string | undefined, field: string): string {
  const ms = value === undefined ? Number.NaN : Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidDataError(`${field} "${String(value).slice(0, 30)}" is not a date`, undefined);
  return new Date(ms).toISOString();
}

/** money.ts does not know which object it was parsing; the engine reports skipped objects by id. */
function withObjectId(error: unknown, id: string): unknown {
  if (error instanceof InvalidDataError && error.objectId === undefined)
    return new InvalidDataError(error.message, id);
  return error;
}
