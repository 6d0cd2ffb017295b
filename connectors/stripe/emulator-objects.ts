/**
 * Turns dataset events into Stripe API objects (API version 2023-08-16 shapes, checked against
 * Stripe's OpenAPI description by test/connectors/stripe/spec.test.ts), and answers list queries.
 */
import { type Dataset, KIND, type ListName } from './emulator-data.ts';
import { buildDispute } from './emulator-disputes.ts';
import type { Lifecycle } from './emulator-lifecycle.ts';
import { hash } from './emulator-random.ts';

type Json = Record<string, unknown>;

const NAMES = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Ken Thompson',
];
const TYPE_BY_KIND: readonly string[] = [
  'charge',
  'refund',
  'payout',
  'stripe_fee',
  'adjustment',
  'transfer',
  '',
  'adjustment',
  'payout_failure',
  'refund_failure',
  'adjustment',
];
const CATEGORY_BY_KIND: readonly string[] = [
  'charge',
  'refund',
  'payout',
  'fee',
  'other_adjustment',
  'transfer',
  '',
  'dispute',
  'payout_reversal',
  'refund_failure',
  'dispute_reversal',
];

export interface ObjectContext {
  readonly data: Dataset;
  /** The state of an object at a time (emulator-lifecycle.ts). */
  readonly lifecycle: Lifecycle;
  /** Emulator clock in epoch seconds (pending vs available, payout status), or an event's time. */
  readonly nowSeconds: number;
}

export function buildObject(list: ListName, index: number, ctx: ObjectContext): Json {
  switch (list) {
    case 'balance_transactions':
      return balanceTransaction(index, ctx);
    case 'charges':
      return charge(index, ctx);
    case 'refunds':
      return refund(index, ctx);
    case 'payouts':
      return payout(index, ctx);
    case 'customers':
      return customer(index, ctx);
    case 'disputes':
      return buildDispute(index, ctx, (bt) => balanceTransaction(bt, ctx));
  }
}

function sourceId(index: number, data: Dataset): string | null {
  switch (data.kindOf(index)) {
    case KIND.charge:
      return data.idOf('charges', index);
    case KIND.refund:
      return data.idOf('refunds', index);
    case KIND.payout:
      return data.idOf('payouts', index);
    case KIND.transfer:
      return data.idOf('tr', index);
    case KIND.dispute:
      return data.idOf('disputes', index);
    case KIND.payout_failure:
      return data.idOf('payouts', data.ref(index));
    case KIND.refund_failure:
      return data.idOf('refunds', data.ref(index));
    case KIND.dispute_reversal:
      return data.idOf('disputes', data.ref(index));
    default:
      return null;
  }
}

function btDescription(index: number, data: Dataset): string | null {
  switch (data.kindOf(index)) {
    case KIND.charge:
      return `Order #${10_000 + index}`;
    case KIND.refund:
      return 'REFUND FOR CHARGE';
    case KIND.payout:
      return 'STRIPE PAYOUT';
    case KIND.fee:
      return hash(data.seed, index, 9) % 2 ? 'Radar for Fraud Teams' : 'Billing - Usage Fee';
    case KIND.adjustment:
      return 'Chargeback withdrawal adjustment';
    case KIND.dispute:
      return 'Chargeback withdrawal for disputed payment';
    case KIND.dispute_reversal:
      return 'Chargeback reversal for disputed payment';
    case KIND.payout_failure:
      return 'STRIPE PAYOUT FAILURE';
    case KIND.refund_failure:
      return 'REFUND FAILURE';
    default:
      return null;
  }
}

function balanceTransaction(index: number, { data, lifecycle, nowSeconds }: ObjectContext): Json {
  const kind = data.kindOf(index);
  const created = data.createdOf(index);
  const { currency, signed, fee } = data.money(index);
  const availableOn = lifecycle.availableOn(index);
  return {
    id: data.idOf('balance_transactions', index),
    object: 'balance_transaction',
    amount: signed,
    available_on: availableOn,
    created,
    currency,
    description: btDescription(index, data),
    exchange_rate: null,
    fee,
    fee_details:
      fee === 0
        ? []
        : [
            {
              amount: fee,
              application: null,
              currency,
              description: kind === KIND.dispute ? 'Dispute fee' : 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ],
    net: signed - fee,
    reporting_category: CATEGORY_BY_KIND[kind],
    source: sourceId(index, data),
    status: availableOn <= nowSeconds ? 'available' : 'pending',
    type: TYPE_BY_KIND[kind],
  };
}

function charge(index: number, { data, lifecycle, nowSeconds }: ObjectContext): Json {
  const amount = data.chargeAmount(index);
  const refundIndex = data.refundFor(index);
  const refunded = refundIndex === undefined ? 0 : data.refundAmount(refundIndex);
  const customerIndex = data.ref(index);
  const name = NAMES[hash(data.seed, index, 10) % NAMES.length]!;
  return {
    id: data.idOf('charges', index),
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: refunded,
    balance_transaction: data.idOf('balance_transactions', index),
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name,
      phone: null,
    },
    captured: true,
    created: data.createdOf(index),
    currency: data.currencyOf(index),
    customer: customerIndex < 0 ? null : data.idOf('customers', customerIndex),
    description: `Order #${10_000 + index}`,
    disputed: lifecycle.disputeOfChargeAt(index, nowSeconds) !== undefined,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    outcome: {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      type: 'authorized',
    },
    paid: true,
    payment_intent: null,
    payment_method_details: {
      card: { brand: 'visa', exp_month: 8, exp_year: 2030, last4: '4242' },
      type: 'card',
    },
    receipt_email: null,
    refunded: refunded === amount,
    status: 'succeeded',
  };
}

function refund(index: number, { data, lifecycle, nowSeconds }: ObjectContext): Json {
  const status = lifecycle.refundStatusAt(index, nowSeconds);
  const failure = lifecycle.refundFailureAt(index, nowSeconds);
  return {
    id: data.idOf('refunds', index),
    object: 'refund',
    amount: data.refundAmount(index),
    balance_transaction: data.idOf('balance_transactions', index),
    charge: data.idOf('charges', data.ref(index)),
    created: data.createdOf(index),
    currency: data.currencyOf(index),
    metadata: {},
    payment_intent: null,
    reason: hash(data.seed, index, 11) % 2 ? 'requested_by_customer' : null,
    receipt_number: null,
    status,
    ...(failure === undefined
      ? {}
      : {
          failure_balance_transaction: data.idOf('balance_transactions', failure),
          failure_reason: 'expired_or_canceled_card',
        }),
  };
}

function payout(index: number, { data, lifecycle, nowSeconds }: ObjectContext): Json {
  const created = data.createdOf(index);
  const arrival = lifecycle.payoutPlan(index).settleAt;
  const status = lifecycle.payoutStatusAt(index, nowSeconds);
  const failure = lifecycle.payoutFailureAt(index, nowSeconds);
  return {
    id: data.idOf('payouts', index),
    object: 'payout',
    amount: -data.money(index).signed,
    arrival_date: arrival,
    automatic: true,
    balance_transaction: data.idOf('balance_transactions', index),
    created,
    currency: data.currencyOf(index),
    description: 'STRIPE PAYOUT',
    destination: `ba_1Em${index.toString(36).padStart(7, '0')}`,
    failure_balance_transaction: failure === undefined ? null : data.idOf('balance_transactions', failure),
    failure_code: failure === undefined ? null : 'account_closed',
    failure_message: failure === undefined ? null : 'The bank account has been closed.',
    livemode: false,
    metadata: {},
    method: 'standard',
    reconciliation_status: status === 'paid' ? 'completed' : 'not_applicable',
    source_type: 'card',
    statement_descriptor: null,
    status,
    type: 'bank_account',
  };
}

function customer(index: number, { data }: ObjectContext): Json {
  const name = NAMES[hash(data.seed, index, 12) % NAMES.length]!;
  return {
    id: data.idOf('customers', index),
    object: 'customer',
    balance: 0,
    created: data.createdOf(index),
    currency: null,
    delinquent: false,
    description: null,
    email: `${name.split(' ')[0]!.toLowerCase()}.${index}@example.com`,
    livemode: false,
    metadata: {},
    name,
    phone: null,
  };
}

/** A list query after validation: bounds in epoch seconds and at most one cursor. */
export interface ListQuery {
  readonly limit: number;
  readonly gte?: number;
  readonly lte?: number;
  readonly startingAfter?: number;
  readonly endingBefore?: number;
}

/**
 * Event indices of one page, newest first, and whether more exist in the paging direction
 * (older for `starting_after` and first pages, newer for `ending_before`), as Stripe's `has_more`.
 */
export function listPage(
  data: Dataset,
  list: ListName,
  query: ListQuery,
): { indices: number[]; hasMore: boolean } {
  let lo = query.gte === undefined ? 0 : data.firstAtOrAfter(list, query.gte);
  let hi = query.lte === undefined ? data.count(list) : data.firstAtOrAfter(list, query.lte + 1);
  let older = true;
  if (query.startingAfter !== undefined) hi = Math.min(hi, data.positionOf(list, query.startingAfter)!);
  if (query.endingBefore !== undefined) {
    lo = Math.max(lo, data.positionOf(list, query.endingBefore)! + 1);
    older = false;
  }
  const indices: number[] = [];
  if (older) {
    for (let p = hi - 1; p >= lo && indices.length < query.limit; p--) indices.push(data.indexAt(list, p));
    return { indices, hasMore: hi - lo > query.limit };
  }
  const top = Math.min(hi, lo + query.limit);
  for (let p = top - 1; p >= lo; p--) indices.push(data.indexAt(list, p));
  return { indices, hasMore: hi > top };
}

export function buildBalance(data: Dataset): Json {
  const available = [...data.balanceTotals()].map(([currency, amount]) => ({
    amount,
    currency,
    source_types: { card: amount },
  }));
  const pending = [...data.balanceTotals().keys()].map((currency) => ({
    amount: 0,
    currency,
    source_types: { card: 0 },
  }));
  return { object: 'balance', available, livemode: false, pending };
}

export function buildAccount(data: Dataset, name: string): Json {
  return {
    id: data.idOf('acct', 0).slice(0, 21),
    object: 'account',
    business_profile: { name },
    charges_enabled: true,
    country: 'US',
    default_currency: 'usd',
    email: 'finance@example.com',
    payouts_enabled: true,
    type: 'standard',
  };
}
