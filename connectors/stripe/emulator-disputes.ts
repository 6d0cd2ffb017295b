/**
 * The emulator's dispute objects (`GET /v1/disputes`, API version 2023-08-16 shape, as in Stripe's fixtures):
 * a dispute of one charge, whose `balance_transactions` are the withdrawal booked when it opened and, once
 * won, the reinstatement. Its status over time comes from the lifecycle (emulator-lifecycle.ts).
 */
import type { ObjectContext } from './emulator-objects.ts';

type Json = Record<string, unknown>;

const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

const REASONS = ['fraudulent', 'product_not_received', 'duplicate', 'general'] as const;

export function buildDispute(
  index: number,
  ctx: ObjectContext,
  balanceTransaction: (index: number) => Json,
): Json {
  const { data, lifecycle, nowSeconds } = ctx;
  const charge = data.ref(index);
  const created = data.createdOf(index);
  const status = lifecycle.disputeStatusAt(index, nowSeconds);
  const plan = lifecycle.disputePlan(index);
  const dueBy = plan?.reviewAt ?? created + 7 * 86_400;
  const submitted = status !== 'needs_response';
  return {
    id: data.idOf('disputes', index),
    object: 'dispute',
    amount: data.chargeAmount(charge),
    balance_transactions: lifecycle.disputeTransactionsAt(index, nowSeconds).map(balanceTransaction),
    charge: data.idOf('charges', charge),
    created,
    currency: data.currencyOf(charge),
    evidence: Object.fromEntries(
      EVIDENCE_FIELDS.map((field) => [
        field,
        submitted && field === 'uncategorized_text' ? 'Delivery confirmed by the carrier.' : null,
      ]),
    ),
    evidence_details: {
      due_by: dueBy,
      has_evidence: submitted,
      past_due: false,
      submission_count: submitted ? 1 : 0,
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: null,
    reason: REASONS[index % REASONS.length],
    status,
  };
}
