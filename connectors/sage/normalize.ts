/**
 * Sage Accounting objects to ledger records. Pure; the raw JSON is checked here, at the edge. Numbers reach
 * this file as their source text (exact-json.ts), and amounts become integer minor units via decimalToMinor
 * (ISO 4217 exponents from src/money.ts), whether Sage sent `12.3` or `"12.30"`.
 *
 * Which records are money (`moneyMovement: true`), decided as for QuickBooks (a claim is not cash; cash is
 * counted where it moves, once):
 * - contact_payments, other_payments: money, signed by transaction type (directions.ts).
 * - bank_transfers: NOT money. A transfer moves cash between two of the business's own accounts: counted as
 *   both an out and an in it would inflate both totals, counted as either it would be wrong; the business's
 *   cash does not change. Kept as a `transfer` record with its amount (a magnitude) for reference.
 * - bank_deposits: NOT money. A deposit pays cash and cheques already recorded as receipts (into Cash in Hand)
 *   into a bank account: those receipts are the money in; counting the deposit would count it twice.
 * - sales_invoices (+, receivable) and purchase_invoices (−, payable): claims, not cash; their payments are
 *   the contact_payments that settle them.
 * - contacts (kind `customer`, or `supplier` for a vendor that is not also a customer), bank_accounts,
 *   ledger_accounts: reference records, amount 0 and no currency (bank balances are asked live by
 *   `balances()`, never stored as movements).
 * Transactions are dated by their `date` (a calendar date, stored at 00:00:00.000Z: provider `dates:
 * 'calendar'`); reference records by `created_at`.
 */
import { InvalidDataError } from '../../src/errors.ts';
import { decimalToMinor, normalizeCurrency } from '../../src/money.ts';
import { type RecordDraft, type RecordKind, recordId } from '../../src/records.ts';
import type { SageObject } from './client.ts';
import { CONTACT_PAYMENT_DIRECTIONS, type Direction, OTHER_PAYMENT_DIRECTIONS } from './directions.ts';

const PROVIDER = 'sage';

export type SageNormalizer = (raw: SageObject, baseCurrency?: string) => RecordDraft;

function paymentNormalizer(
  stream: string,
  rawType: string,
  table: Readonly<Record<string, Direction>>,
): SageNormalizer {
  return (raw, baseCurrency) =>
    withId(raw, (id) => {
      const type = ref(raw, 'transaction_type');
      const direction = type ? table[type.id] : undefined;
      if (!direction)
        throw new InvalidDataError(
          `${rawType} ${id} has transaction type "${(type?.id ?? 'none').slice(0, 40)}", which finsync does not know the direction of`,
          id,
        );
      const currency = currencyOf(raw, baseCurrency);
      const amount = magnitude(raw, 'total_amount', currency);
      const contact = ref(raw, 'contact')?.name ?? null;
      const reference = text(raw['reference']);
      return draft(stream, rawType, id, {
        kind: direction.kind,
        amount: direction.sign * amount,
        currency,
        occurredAt: dateOf(raw),
        description: [type?.name || type?.id, reference].filter(Boolean).join(' ') || `${rawType} ${id}`,
        counterparty: contact,
        status: 'posted',
        moneyMovement: true,
      });
    });
}

export const normalizeContactPayment = paymentNormalizer(
  'contact_payments',
  'ContactPayment',
  CONTACT_PAYMENT_DIRECTIONS,
);
export const normalizeOtherPayment = paymentNormalizer(
  'other_payments',
  'OtherPayment',
  OTHER_PAYMENT_DIRECTIONS,
);

export const normalizeBankTransfer: SageNormalizer = (raw, baseCurrency) =>
  withId(raw, (id) => {
    const from = ref(raw, 'from_bank_account')?.name ?? '?';
    const to = ref(raw, 'to_bank_account')?.name ?? '?';
    const currency = currencyOf(raw, baseCurrency);
    return draft('bank_transfers', 'BankTransfer', id, {
      kind: 'transfer',
      amount: magnitude(raw, 'amount', currency),
      currency,
      occurredAt: dateOf(raw),
      description: `Transfer from ${from} to ${to}${text(raw['reference']) ? ` (${text(raw['reference'])})` : ''}`,
      counterparty: null,
      status: 'posted',
      moneyMovement: false,
    });
  });

export const normalizeBankDeposit: SageNormalizer = (raw, baseCurrency) =>
  withId(raw, (id) => {
    const to = ref(raw, 'to_bank_account')?.name ?? '?';
    const currency = currencyOf(raw, baseCurrency);
    return draft('bank_deposits', 'BankDeposit', id, {
      kind: 'deposit',
      amount: magnitude(raw, 'total_amount', currency),
      currency,
      occurredAt: dateOf(raw),
      description: `Deposit into ${to}${text(raw['reference']) ? ` (${text(raw['reference'])})` : ''}`,
      counterparty: null,
      status: 'posted',
      moneyMovement: false,
    });
  });

function invoiceNormalizer(
  stream: string,
  rawType: string,
  kind: RecordKind,
  sign: 1 | -1,
  label: string,
): SageNormalizer {
  return (raw, baseCurrency) =>
    withId(raw, (id) => {
      const currency = currencyOf(raw, baseCurrency);
      const number = text(raw['invoice_number']) || text(raw['vendor_reference']) || text(raw['reference']);
      return draft(stream, rawType, id, {
        kind,
        amount: sign * magnitude(raw, 'total_amount', currency),
        currency,
        occurredAt: dateOf(raw),
        description: `${label} ${number || id}`,
        counterparty: ref(raw, 'contact')?.name ?? (text(raw['contact_name']) || null),
        status: invoiceStatus(raw),
        moneyMovement: false,
      });
    });
}

export const normalizeSalesInvoice = invoiceNormalizer(
  'sales_invoices',
  'SalesInvoice',
  'invoice',
  1,
  'Sales invoice',
);
export const normalizePurchaseInvoice = invoiceNormalizer(
  'purchase_invoices',
  'PurchaseInvoice',
  'purchase',
  -1,
  'Purchase invoice',
);

function referenceNormalizer(
  stream: string,
  rawType: string,
  kindOf: (raw: SageObject) => RecordKind,
): SageNormalizer {
  return (raw) =>
    withId(raw, (id) => {
      const name = text(raw['displayed_as']) || text(raw['name']) || `${rawType} ${id}`;
      return draft(stream, rawType, id, {
        kind: kindOf(raw),
        amount: 0,
        currency: null,
        occurredAt: instant(raw['created_at'] ?? raw['updated_at'], 'created_at', id),
        description: name,
        counterparty: stream === 'contacts' ? name : null,
        status: raw['deleted_at'] ? 'deleted' : raw['active'] === false ? 'inactive' : 'active',
        moneyMovement: false,
      });
    });
}

/**
 * A contact's kind from its `contact_types` (Sage's ids CUSTOMER and VENDOR, shown as "Supplier"): a supplier
 * only when it is a vendor and not also a customer; a contact that is both, or whose types are missing, stays
 * a customer (what every contact was before suppliers had a kind of their own).
 */
function contactKind(raw: SageObject): RecordKind {
  const types = Array.isArray(raw['contact_types']) ? (raw['contact_types'] as unknown[]) : [];
  const ids = new Set(
    types.map((type) =>
      typeof type === 'object' && type !== null ? text((type as SageObject)['id']).toUpperCase() : '',
    ),
  );
  return ids.has('VENDOR') && !ids.has('CUSTOMER') ? 'supplier' : 'customer';
}

export const normalizeContact = referenceNormalizer('contacts', 'Contact', contactKind);
export const normalizeBankAccount = referenceNormalizer('bank_accounts', 'BankAccount', () => 'account');
export const normalizeLedgerAccount = referenceNormalizer(
  'ledger_accounts',
  'LedgerAccount',
  () => 'account',
);

/** Sage's status id (DRAFT, UNPAID, PART_PAID, PAID, VOID…) in lower case; a void reason means void. */
function invoiceStatus(raw: SageObject): string {
  if (text(raw['void_reason'])) return 'void';
  return (ref(raw, 'status')?.id ?? 'unknown').toLowerCase();
}

type Fields = Omit<RecordDraft, 'id' | 'provider' | 'stream' | 'raw'>;

/**
 * The record as one object literal: V8 spent ~13 µs per record on `{ ...base, ...fields }` here (measured in
 * bench/sage-full-load.ts), more than parsing and converting the object together.
 */
function draft(stream: string, rawType: string, id: string, f: Fields): RecordDraft {
  return {
    id: recordId(PROVIDER, stream, id),
    provider: PROVIDER,
    stream,
    kind: f.kind,
    amount: f.amount,
    currency: f.currency,
    occurredAt: f.occurredAt,
    description: f.description,
    counterparty: f.counterparty,
    status: f.status,
    moneyMovement: f.moneyMovement,
    raw: { type: rawType, id },
  };
}

function withId(raw: SageObject, build: (id: string) => RecordDraft): RecordDraft {
  const id = text(raw['id']);
  if (!id) throw new InvalidDataError('a Sage object has no id', undefined);
  try {
    return build(id);
  } catch (error) {
    if (error instanceof InvalidDataError && error.objectId === undefined)
      throw new InvalidDataError(error.message, id);
    throw error;
  }
}

/** A `Base` link (`{ id, displayed_as }`). */
function ref(raw: SageObject, key: string): { readonly id: string; readonly name: string } | null {
  const value = raw[key];
  if (typeof value !== 'object' || value === null) return null;
  const o = value as SageObject;
  const id = text(o['id']);
  return id ? { id, name: text(o['displayed_as']) || id } : null;
}

/** The object's currency (`currency.id`, an ISO code in Sage), else the business's base currency. */
function currencyOf(raw: SageObject, baseCurrency?: string): string {
  const id = ref(raw, 'currency')?.id ?? baseCurrency;
  if (!id) throw new InvalidDataError('no currency, and the business base currency is unknown', undefined);
  return normalizeCurrency(id);
}

/** An amount Sage sends as a magnitude (number text or decimal string); a negative one is not trusted. */
function magnitude(raw: SageObject, key: string, currency: string): number {
  const value = raw[key];
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new InvalidDataError(`${key} is missing`, undefined);
  const minor = decimalToMinor(value, currency);
  if (minor < 0)
    throw new InvalidDataError(
      `${key} is negative (${String(value).slice(0, 20)}); Sage gives magnitudes and the type gives the direction`,
      undefined,
    );
  return minor;
}

/**
 * `date` (YYYY-MM-DD, a day the calendar has) at 00:00:00.000Z. Checked by arithmetic, not `Date.parse`: V8
 * parses "2025-02-30" as 2 March, which would have been stored as an instant that does not exist.
 */
function dateOf(raw: SageObject): string {
  const date = text(raw['date']);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isDayOfCalendar(date))
    throw new InvalidDataError(`date "${date.slice(0, 20)}" is not a calendar date`, undefined);
  return `${date}T00:00:00.000Z`;
}

/** For a YYYY-MM-DD text: whether its month is 1–12 and its day exists in that month (Gregorian leap years). */
function isDayOfCalendar(date: string): boolean {
  const year = digitAt(date, 0) * 1000 + digitAt(date, 1) * 100 + digitAt(date, 2) * 10 + digitAt(date, 3);
  const month = digitAt(date, 5) * 10 + digitAt(date, 6);
  const day = digitAt(date, 8) * 10 + digitAt(date, 9);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/**
 * A module-level function, not a closure in isDayOfCalendar: tsx names every closure it creates at run time
 * (`__name`, an Object.defineProperty), which cost more than the date check itself, once per record.
 */
function digitAt(text: string, at: number): number {
  return text.charCodeAt(at) - 48;
}

function instant(value: unknown, what: string, id: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidDataError(`${what} is not a date-time`, id);
  return new Date(ms).toISOString();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
