/**
 * Stripe dispute → ledger record (pure). A dispute is the same money as the balance transactions Stripe books
 * for it (the withdrawal of the disputed amount and fee, and any reinstatement when it is won), which the
 * balance_transactions stream already stores as the money records. So a dispute record is
 * `moneyMovement: false`: it carries the status and history (needs_response → under_review → won or lost)
 * without counting the money twice. Its amount is negative, the money the dispute takes out of the business
 * while it is open or once it is lost, converted from Stripe's amount scale (currency-scale.ts).
 * Kind `adjustment`: Stripe itself reports a dispute's balance transactions as adjustments.
 */
import { InvalidDataError } from '../../src/errors.ts';
import { integerMinor, normalizeCurrency } from '../../src/money.ts';
import { type RecordDraft, recordId } from '../../src/records.ts';
import { stripeAmountToMinor } from './currency-scale.ts';

type Obj = Readonly<Record<string, unknown>>;

function fail(message: string, id: string | undefined): never {
  throw new InvalidDataError(id ? `Stripe dispute ${id}: ${message}` : `Stripe dispute ${message}`, id);
}

function optionalText(obj: Obj, key: string, id: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(`${key} is not a string`, id);
  return value;
}

/** The id of a field that is either an id string or an expanded object. */
function refId(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Obj).id === 'string')
    return (value as Obj).id as string;
  return null;
}

export function normalizeDispute(raw: unknown): RecordDraft {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('is not an object', undefined);
  const obj = raw as Obj;
  const id = typeof obj.id === 'string' && obj.id !== '' ? obj.id : fail('has no id', undefined);
  try {
    const created = obj.created;
    if (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0) {
      fail(`created ${String(created).slice(0, 30)} is not a Unix timestamp`, id);
    }
    const currency = normalizeCurrency(obj.currency);
    const amount = integerMinor(obj.amount);
    if (amount < 0) fail(`amount ${amount} is negative`, id);
    const status = optionalText(obj, 'status', id) ?? fail('status is missing', id);
    const reason = optionalText(obj, 'reason', id);
    const charge = refId(obj.charge);
    const subject = charge ? `Dispute of ${charge}` : 'Dispute';
    return {
      id: recordId('stripe', 'disputes', id),
      provider: 'stripe',
      stream: 'disputes',
      kind: 'adjustment',
      amount: -stripeAmountToMinor(amount, currency),
      currency,
      occurredAt: new Date(created * 1000).toISOString(),
      description: reason ? `${subject} (${reason.replaceAll('_', ' ')})` : subject,
      counterparty: null,
      status,
      moneyMovement: false,
      raw: { type: 'dispute', id },
    };
  } catch (error) {
    if (error instanceof InvalidDataError && error.objectId === undefined) {
      throw new InvalidDataError(`Stripe dispute ${id}: ${error.message}`, id);
    }
    throw error;
  }
}
