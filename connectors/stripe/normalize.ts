/**
 * Pure Stripe object → ledger record functions. Input is `unknown` (parsed JSON from the wire): every field
 * used is checked here, at the edge, and anything malformed throws InvalidDataError carrying the object id.
 * Stripe's integer amounts are converted exactly to ISO 4217 minor units by currency-scale.ts (Stripe writes
 * ISK with two decimals and MGA with none; ISO 4217 says the opposite).
 *
 * Sign convention (records: positive = money into the business):
 * - Balance transactions are THE money records (`moneyMovement: true`). One balance transaction is up to two
 *   records: the gross movement, at Stripe's own signed `amount` (charges positive; refunds, payouts, Stripe
 *   fee transactions and transfers negative; adjustments either way), and, when its `fee` is not 0, a fee
 *   record (kind `fee`, amount `-fee`: a fee taken is money out, a fee given back is money in). Gross plus fee
 *   is Stripe's `net`, so summing every moneyMovement record of one currency gives the change in the Stripe
 *   balance (available plus pending), fees included, each fee once.
 *   The fee record's id is the balance transaction's record id plus `:fee`: it depends only on the balance
 *   transaction's id, which Stripe never changes (balance transactions are immutable, fee included), so every
 *   sync upserts the same row; Stripe ids never contain `:`, so it cannot collide with another record's id.
 *   It stays in the `balance_transactions` stream, and its raw reference is the balance transaction.
 * - Charges, refunds and payouts are the same money seen from the business objects, so they are
 *   `moneyMovement: false` (totals over moneyMovement records then count each movement once). Stripe
 *   reports all three with positive amounts; we apply the direction: charges positive, refunds and
 *   payouts negative.
 * - Customers carry no money: amount 0, currency null.
 */
import { InvalidDataError } from '../../src/errors.ts';
import { integerMinor, minorToDecimal, normalizeCurrency } from '../../src/money.ts';
import { type RecordDraft, type RecordKind, recordId } from '../../src/records.ts';
import { stripeAmountToMinor } from './currency-scale.ts';

type Obj = Readonly<Record<string, unknown>>;

/** Balance transaction `type` → record kind. Unknown (newer) types become adjustments rather than failures. */
const KIND_BY_TYPE: Readonly<Record<string, RecordKind>> = {
  charge: 'charge',
  payment: 'charge',
  refund: 'refund',
  payment_refund: 'refund',
  refund_failure: 'refund',
  payment_failure_refund: 'refund',
  payout: 'payout',
  payout_cancel: 'payout',
  payout_failure: 'payout',
  stripe_fee: 'fee',
  stripe_fx_fee: 'fee',
  tax_fee: 'fee',
  application_fee: 'fee',
  application_fee_refund: 'fee',
  transfer: 'transfer',
  transfer_cancel: 'transfer',
  transfer_failure: 'transfer',
  transfer_refund: 'transfer',
  connect_collection_transfer: 'transfer',
  topup: 'deposit',
  topup_reversal: 'deposit',
};

export function balanceTransactionKind(type: string): RecordKind {
  return KIND_BY_TYPE[type] ?? 'adjustment';
}

function asObject(raw: unknown, type: string): Obj {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidDataError(`Stripe ${type} is not an object`, undefined);
  }
  const obj = raw as Obj;
  if (typeof obj.id !== 'string' || obj.id === '') {
    throw new InvalidDataError(`Stripe ${type} has no id`, undefined);
  }
  return obj;
}

/** Runs a normalizer and gives any InvalidDataError from the money helpers the object's id. */
function withId<T>(type: string, raw: unknown, build: (obj: Obj, id: string) => T): T {
  const obj = asObject(raw, type);
  const id = obj.id as string;
  try {
    return build(obj, id);
  } catch (error) {
    if (error instanceof InvalidDataError) {
      throw new InvalidDataError(`Stripe ${type} ${id}: ${error.message}`, id);
    }
    throw error;
  }
}

function bad(message: string): never {
  throw new InvalidDataError(message, undefined);
}

function text(obj: Obj, key: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') bad(`${key} is not a string`);
  return value;
}

function requiredText(obj: Obj, key: string): string {
  return text(obj, key) ?? bad(`${key} is missing`);
}

/** Stripe timestamps are whole seconds since the epoch. */
export function occurredAt(created: unknown): string {
  if (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0) {
    bad(`created ${String(created).slice(0, 30)} is not a Unix timestamp`);
  }
  return new Date(created * 1000).toISOString();
}

/** Stripe object amounts (charges, refunds, payouts) are never negative; direction comes from the type. */
function positiveAmount(obj: Obj, currency: string): number {
  const amount = integerMinor(obj.amount);
  if (amount < 0) bad(`amount ${amount} is negative`);
  return stripeAmountToMinor(amount, currency);
}

/** The id of a field that is either an id string or an expanded object. */
function refId(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Obj).id === 'string') {
    return (value as Obj).id as string;
  }
  return null;
}

/**
 * One balance transaction as its gross movement and, when Stripe took (or gave back) a fee, a separate fee
 * record, so that the records' sum is the transaction's `net` (see the sign convention above).
 */
export function normalizeBalanceTransaction(raw: unknown): readonly RecordDraft[] {
  return withId('balance_transaction', raw, (obj, id) => {
    const type = requiredText(obj, 'type');
    const currency = normalizeCurrency(obj.currency);
    const stripeAmount = integerMinor(obj.amount);
    const stripeFee = integerMinor(obj.fee, 'fee');
    const stripeNet = integerMinor(obj.net, 'net');
    if (stripeNet !== stripeAmount - stripeFee) {
      bad(`net ${stripeNet} is not amount ${stripeAmount} minus fee ${stripeFee}`);
    }
    const amount = stripeAmountToMinor(stripeAmount, currency);
    const fee = stripeAmountToMinor(stripeFee, currency);
    const net = stripeAmountToMinor(stripeNet, currency);
    const label = text(obj, 'description') ?? type.replaceAll('_', ' ');
    const fees =
      fee === 0
        ? ''
        : ` (fee ${minorToDecimal(fee, currency)} ${currency}, net ${minorToDecimal(net, currency)} ${currency})`;
    // Each record is one object literal: spreading a shared part cost several µs a record on the sync path.
    const at = occurredAt(obj.created);
    const status = text(obj, 'status') ?? 'unknown';
    const grossId = recordId('stripe', 'balance_transactions', id);
    const gross: RecordDraft = {
      id: grossId,
      provider: 'stripe',
      stream: 'balance_transactions',
      kind: balanceTransactionKind(type),
      amount,
      currency,
      occurredAt: at,
      description: `${label}${fees}`,
      counterparty: null,
      status,
      moneyMovement: true,
      raw: { type: 'balance_transaction', id },
    };
    if (fee === 0) return [gross];
    const feeRecord: RecordDraft = {
      id: `${grossId}:fee`,
      provider: 'stripe',
      stream: 'balance_transactions',
      kind: 'fee',
      amount: 0 - fee,
      currency,
      occurredAt: at,
      description: fee > 0 ? `Stripe fee on ${label}` : `Stripe fee returned on ${label}`,
      counterparty: null,
      status,
      moneyMovement: true,
      raw: { type: 'balance_transaction', id },
    };
    return [gross, feeRecord];
  });
}

export function normalizeCharge(raw: unknown): RecordDraft {
  return withId('charge', raw, (obj, id) => {
    const billing =
      obj.billing_details && typeof obj.billing_details === 'object' ? (obj.billing_details as Obj) : {};
    const currency = normalizeCurrency(obj.currency);
    const counterparty =
      (typeof billing.name === 'string' && billing.name) ||
      (typeof obj.receipt_email === 'string' && obj.receipt_email) ||
      refId(obj.customer);
    return {
      id: recordId('stripe', 'charges', id),
      provider: 'stripe',
      stream: 'charges',
      kind: 'charge',
      amount: positiveAmount(obj, currency),
      currency,
      occurredAt: occurredAt(obj.created),
      description: text(obj, 'description') ?? 'Charge',
      counterparty: counterparty || null,
      status: text(obj, 'status') ?? 'unknown',
      moneyMovement: false,
      raw: { type: 'charge', id },
    };
  });
}

export function normalizeRefund(raw: unknown): RecordDraft {
  return withId('refund', raw, (obj, id) => {
    const charge = refId(obj.charge);
    const currency = normalizeCurrency(obj.currency);
    return {
      id: recordId('stripe', 'refunds', id),
      provider: 'stripe',
      stream: 'refunds',
      kind: 'refund',
      amount: -positiveAmount(obj, currency),
      currency,
      occurredAt: occurredAt(obj.created),
      description: charge ? `Refund of ${charge}` : 'Refund',
      counterparty: null,
      status: text(obj, 'status') ?? 'unknown',
      moneyMovement: false,
      raw: { type: 'refund', id },
    };
  });
}

export function normalizePayout(raw: unknown): RecordDraft {
  return withId('payout', raw, (obj, id) => {
    const currency = normalizeCurrency(obj.currency);
    return {
      id: recordId('stripe', 'payouts', id),
      provider: 'stripe',
      stream: 'payouts',
      kind: 'payout',
      amount: -positiveAmount(obj, currency),
      currency,
      occurredAt: occurredAt(obj.created),
      description: text(obj, 'description') ?? 'Payout',
      counterparty: null,
      status: text(obj, 'status') ?? 'unknown',
      moneyMovement: false,
      raw: { type: 'payout', id },
    };
  });
}

export function normalizeCustomer(raw: unknown): RecordDraft {
  return withId('customer', raw, (obj, id) => {
    const name = text(obj, 'name');
    const email = text(obj, 'email');
    return {
      id: recordId('stripe', 'customers', id),
      provider: 'stripe',
      stream: 'customers',
      kind: 'customer',
      amount: 0,
      currency: null,
      occurredAt: occurredAt(obj.created),
      description: name ?? email ?? id,
      counterparty: name ?? email,
      status: obj.deleted === true ? 'deleted' : 'active',
      moneyMovement: false,
      raw: { type: 'customer', id },
    };
  });
}
