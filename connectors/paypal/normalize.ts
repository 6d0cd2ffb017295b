/**
 * Pure: one Transaction Search row to its ledger records. Input was parsed at the edge (wire.ts) but every
 * field used is checked here; a malformed row throws InvalidDataError carrying its transaction id.
 *
 * Identity. `transaction_id` is not unique in reporting: a balance-affecting and a non-balance-affecting row
 * may share it (spec, `transaction_id` parameter). The external id is therefore
 * `<transaction_id>:<event code>:<B|N>` (B: balance-affecting). PayPal ids are [A-Za-z0-9] (spec pattern), so
 * the `:` joins cannot collide. A newer version of the same row (a later `transaction_updated_date`) has the
 * same id and replaces the older one (streams.ts keeps the newest within a read).
 *
 * Money (records: positive = money into the business):
 * - A balance-affecting row is money (`moneyMovement: true`): its gross, `transaction_amount`, at PayPal's own
 *   sign (received payments positive; refunds, withdrawals and payments sent negative), and, when
 *   `fee_amount` is present and not zero, a separate `fee` record at the fee's own sign (PayPal writes a fee
 *   taken as a negative value, a fee given back on a refund as a positive one). Gross plus fee is the net
 *   change of the PayPal balance, so sums over money records count each movement and each fee once.
 * - A non-balance-affecting row (an authorization, a pending hold, an informational copy) is a record with
 *   its amount for reference but `moneyMovement: false` and no fee record: it never moves the totals.
 * - A denied row (`D`: "PayPal or merchant rules denied the transaction") moved no money either: same as a
 *   non-balance-affecting one, whatever the query said.
 */
import { InvalidDataError } from '../../src/errors.ts';
import { currencyExponent } from '../../src/money.ts';
import { type RecordDraft, type RecordKind, recordId } from '../../src/records.ts';
import { moneyToMinor } from './amounts.ts';
import { paypalInstantMs } from './dates.ts';
import type { PayPalTransactionDetail } from './wire.ts';

export const STREAM = 'transactions';
const PROVIDER = 'paypal';

/** A row as the stream hands it on: the detail and whether PayPal counted it in the balance (streams.ts). */
export interface PayPalRow {
  readonly detail: PayPalTransactionDetail;
  readonly balanceAffecting: boolean;
}

/** PayPal event code groups (the first three characters, "Transaction event codes") → record kind. */
const KIND_BY_GROUP: Readonly<Record<string, RecordKind>> = {
  T00: 'payment', // PayPal account-to-PayPal account payment
  T01: 'fee', // non-payment-related fees
  T02: 'adjustment', // currency conversion
  T03: 'deposit', // bank deposit into the PayPal account
  T04: 'payout', // bank withdrawal from the PayPal account
  T05: 'payment', // debit card
  T06: 'payment', // credit card withdrawal
  T07: 'deposit', // credit card deposit
  T08: 'adjustment', // bonus
  T09: 'adjustment', // incentive
  T10: 'payment', // bill pay
  T11: 'refund', // reversal (refunds, chargebacks)
  T12: 'adjustment', // adjustment
  T13: 'payment', // authorization
  T14: 'adjustment', // dividend
  T15: 'adjustment', // hold for dispute or other investigation
  T16: 'deposit', // buyer credit deposit
  T17: 'payout', // non-bank withdrawal
  T18: 'payment', // buyer credit withdrawal
  T19: 'adjustment', // account correction
  T20: 'transfer', // funds transfer from one PayPal account to another
  T21: 'adjustment', // reserves and releases
  T22: 'transfer', // transfers
  T30: 'adjustment', // generic instrument and Open Wallet
  T50: 'transfer', // collections and disbursements
};

export function kindOfEventCode(code: string): RecordKind {
  return KIND_BY_GROUP[code.slice(0, 3).toUpperCase()] ?? 'adjustment';
}

const STATUS: Readonly<Record<string, string>> = {
  D: 'denied',
  P: 'pending',
  S: 'success',
  V: 'reversed',
  F: 'partially_refunded',
};

export function statusOf(code: string | undefined): string {
  return (code && STATUS[code.toUpperCase()]) || 'unknown';
}

const ID = /^[A-Za-z0-9]{1,24}$/;

/** `<transaction_id>:<event code>:<B|N>`; throws when the row lacks either id part. */
export function externalIdOf(row: PayPalRow): string {
  const info = row.detail.transaction_info;
  const id = info.transaction_id;
  const code = info.transaction_event_code;
  if (typeof id !== 'string' || !ID.test(id))
    throw new InvalidDataError('transaction_id is missing', undefined);
  if (typeof code !== 'string' || !ID.test(code)) {
    throw new InvalidDataError(`transaction ${id} has no transaction_event_code`, id);
  }
  return `${id}:${code.toUpperCase()}:${row.balanceAffecting ? 'B' : 'N'}`;
}

/** `transaction_updated_date` (else the initiation date) in epoch ms: orders versions of one row. */
export function versionOf(row: PayPalRow): number {
  const info = row.detail.transaction_info;
  return (
    paypalInstantMs(info.transaction_updated_date) ?? paypalInstantMs(info.transaction_initiation_date) ?? 0
  );
}

function counterpartyOf(detail: PayPalTransactionDetail): string | null {
  const payer = detail.payer_info;
  const name = payer?.payer_name;
  const full =
    name?.alternate_full_name?.trim() || [name?.given_name, name?.surname].filter(Boolean).join(' ').trim();
  return full || payer?.email_address?.trim() || payer?.account_id || null;
}

/** Minor units as the currency's decimal text (-320 USD → "-3.20"), with integer digits only (no BigInt, no float). */
export function decimalText(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const sign = minor < 0 ? '-' : '';
  return exponent === 0 ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(digits.length - exponent)}`;
}

/** Whether the row moved money: balance-affecting and not denied. */
function isMoneyRow(row: PayPalRow): boolean {
  return row.balanceAffecting && row.detail.transaction_info.transaction_status?.toUpperCase() !== 'D';
}

/**
 * Whether the row's records include a fee record (`<external id>:fee`). A later version of a row may lose its
 * fee (a fee waived, a row denied or no longer balance-affecting): the stream then removes that id, so a fee
 * stored from the earlier version never stays counted (streams.ts).
 */
export function hasFeeRecord(row: PayPalRow): boolean {
  const fee = row.detail.transaction_info.fee_amount?.value;
  return isMoneyRow(row) && typeof fee === 'string' && /[1-9]/.test(fee);
}

export function normalizeRow(row: PayPalRow): readonly RecordDraft[] {
  const externalId = externalIdOf(row);
  const info = row.detail.transaction_info;
  const transactionId = info.transaction_id as string;
  try {
    const ms = paypalInstantMs(info.transaction_initiation_date);
    if (ms === undefined) {
      throw new InvalidDataError(
        `transaction_initiation_date "${String(info.transaction_initiation_date).slice(0, 40)}" is not a date`,
        undefined,
      );
    }
    const code = (info.transaction_event_code as string).toUpperCase();
    const gross = moneyToMinor(info.transaction_amount, 'transaction_amount');
    const fee = info.fee_amount
      ? moneyToMinor(info.fee_amount, 'fee_amount')
      : { amount: 0, currency: gross.currency };
    if (fee.currency !== gross.currency) {
      throw new InvalidDataError(`fee currency ${fee.currency} differs from ${gross.currency}`, undefined);
    }
    const subject = info.transaction_subject?.trim() || info.transaction_note?.trim() || '';
    const isMoney = isMoneyRow(row);
    const label = `PayPal ${code}${subject ? ` ${subject}` : ''} (${transactionId})`;
    const withFee = hasFeeRecord(row);
    const feeText = withFee
      ? ` (fee ${decimalText(fee.amount, fee.currency)} ${fee.currency}, net ${decimalText(gross.amount + fee.amount, fee.currency)} ${fee.currency})`
      : '';
    // Each record is one object literal: spreading a shared part cost several µs a record on the sync path.
    const occurredAt = new Date(ms).toISOString();
    const counterparty = counterpartyOf(row.detail);
    const status = statusOf(info.transaction_status);
    const grossId = recordId(PROVIDER, STREAM, externalId);
    const grossRecord: RecordDraft = {
      id: grossId,
      provider: PROVIDER,
      stream: STREAM,
      kind: kindOfEventCode(code),
      amount: gross.amount,
      currency: gross.currency,
      occurredAt,
      description: `${label}${row.balanceAffecting ? '' : ' (not balance-affecting)'}${feeText}`,
      counterparty,
      status,
      moneyMovement: isMoney,
      raw: { type: 'transaction', id: transactionId },
    };
    if (!withFee) return [grossRecord];
    return [
      grossRecord,
      {
        id: `${grossId}:fee`,
        provider: PROVIDER,
        stream: STREAM,
        kind: 'fee',
        amount: fee.amount,
        currency: gross.currency,
        occurredAt,
        description:
          fee.amount < 0 ? `PayPal fee on ${transactionId}` : `PayPal fee returned on ${transactionId}`,
        counterparty,
        status,
        moneyMovement: isMoney,
        raw: { type: 'transaction', id: transactionId },
      },
    ];
  } catch (error) {
    if (error instanceof InvalidDataError && error.objectId === undefined) {
      throw new InvalidDataError(`PayPal transaction ${transactionId}: ${error.message}`, transactionId);
    }
    throw error;
  }
}
