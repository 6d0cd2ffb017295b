/**
 * Payment Links through the official SDK: the one place finsync writes to Stripe. Every write carries an
 * idempotency key the caller derives from its own request, so a retried or resumed write gets Stripe's first
 * answer back instead of a second link. Amounts cross this edge in Stripe's scale (currency-scale.ts); what
 * comes back is parsed here, so nothing downstream trusts Stripe's shapes.
 *
 * Why Payment Links rather than Checkout Sessions: a request is a link a person sends to a customer who may
 * pay days later. A Checkout Session expires within 24 hours and is one visit; a Payment Link stays valid
 * until finsync deactivates it (Cancel, or its own 30-day expiry), takes exactly the amount as inline
 * `price_data` (no Price or Product to manage), and `restrictions.completed_sessions.limit = 1` makes it a
 * one-payment link. Its payments still arrive as Checkout Sessions (`checkout.session.completed`, with
 * `payment_link` set), which is what marks a request paid.
 */
import Stripe from 'stripe';
import { InvalidRequestError, TransientError } from '../../src/errors.ts';
import type { StripeApi } from './client.ts';
import { stripeAmountToMinor } from './currency-scale.ts';

export interface NewPaymentLink {
  /** finsync's request id: in the link's and the PaymentIntent's metadata. */
  readonly requestId: string;
  /** Stripe's integer amount for `currency` (minorToStripeAmount). */
  readonly stripeAmount: number;
  /** ISO code (any case). */
  readonly currency: string;
  readonly description: string;
  readonly idempotencyKey: string;
}

export interface PaymentLinkRef {
  readonly id: string;
  readonly url: string;
  readonly active: boolean;
}

/** What a completed Checkout Session brought, in ISO minor units of `currency`. */
export interface Settlement {
  readonly currency: string;
  readonly received: number;
  /** Stripe's fee and what is left; null while Stripe has not made the balance transaction. */
  readonly fee: number | null;
  readonly net: number | null;
  /**
   * The currency of `fee` and `net`: the balance transaction's, which is the account's settlement currency
   * (it differs from `currency` when Stripe converted the payment). Null with them.
   */
  readonly settlementCurrency: string | null;
}

/** The metadata key holding finsync's request id on the link and on the PaymentIntent. */
export const REQUEST_METADATA_KEY = 'finsync_request';

/** Stripe's idempotency refusal (same key, other parameters) is final, not a transient error to retry. */
function idempotencyIsFinal(error: unknown): never {
  if (error instanceof Stripe.errors.StripeIdempotencyError)
    throw new InvalidRequestError(`Stripe refused a repeated request: ${error.message}`);
  throw error;
}

function parseLink(value: unknown): PaymentLinkRef {
  const link = value as { id?: unknown; url?: unknown; active?: unknown } | null;
  if (typeof link?.id !== 'string' || typeof link.url !== 'string' || typeof link.active !== 'boolean')
    throw new TransientError(
      'Stripe answered a payment link request with something that is not a payment link',
    );
  return { id: link.id, url: link.url, active: link.active };
}

/**
 * One payment of exactly the amount: inline price data (no Price object to manage), one completed session at
 * most (`restrictions.completed_sessions.limit = 1`, so a paid link stops taking payments).
 */
export function createPaymentLink(api: StripeApi, input: NewPaymentLink): Promise<PaymentLinkRef> {
  return api.call(async (sdk) => {
    try {
      const link = await sdk.paymentLinks.create(
        {
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: input.currency.toLowerCase(),
                unit_amount: input.stripeAmount,
                product_data: { name: input.description },
              },
            },
          ],
          metadata: { [REQUEST_METADATA_KEY]: input.requestId },
          payment_intent_data: {
            description: input.description,
            metadata: { [REQUEST_METADATA_KEY]: input.requestId },
          },
          restrictions: { completed_sessions: { limit: 1 } },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return parseLink(link);
    } catch (error) {
      return idempotencyIsFinal(error);
    }
  });
}

/** Deactivates a link (`active: false`): its page stops taking payments. Idempotent by nature and by key. */
export function deactivatePaymentLink(
  api: StripeApi,
  linkId: string,
  idempotencyKey: string,
): Promise<PaymentLinkRef> {
  return api.call(async (sdk) => {
    try {
      return parseLink(await sdk.paymentLinks.update(linkId, { active: false }, { idempotencyKey }));
    } catch (error) {
      return idempotencyIsFinal(error);
    }
  });
}

/** What the PaymentIntent of a completed session brought: amount received, and the fee and net of its charge. */
export function settlementOf(api: StripeApi, paymentIntentId: string): Promise<Settlement> {
  return api.call(async (sdk) => {
    const intent = await sdk.paymentIntents.retrieve(paymentIntentId, {
      expand: ['latest_charge.balance_transaction'],
    });
    const currency = String(intent.currency).toUpperCase();
    const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
    const txn = charge && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
    // The balance transaction is in the settlement currency, which may differ from the request's (Stripe
    // converted it): fee and net are told in that currency, never mixed into the request's.
    const settlementCurrency = txn ? String(txn.currency).toUpperCase() : null;
    return {
      currency,
      received: stripeAmountToMinor(intent.amount_received, currency),
      fee: txn && settlementCurrency ? stripeAmountToMinor(txn.fee, settlementCurrency) : null,
      net: txn && settlementCurrency ? stripeAmountToMinor(txn.net, settlementCurrency) : null,
      settlementCurrency,
    };
  });
}

/** A Checkout Session as a payment event carries it, parsed at the edge. */
export interface CheckoutSessionEvent {
  readonly eventId: string;
  readonly type: string;
  readonly sessionId: string;
  readonly paymentLink: string | null;
  readonly paymentStatus: string;
  readonly paymentIntent: string | null;
  /** Epoch seconds of the event. */
  readonly created: number;
}

/** Stripe's Checkout events that tell finsync about a payment link's payment. */
export const PAYMENT_EVENT_TYPES: ReadonlySet<string> = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
]);

export function parseCheckoutEvent(event: Stripe.Event): CheckoutSessionEvent | null {
  if (!PAYMENT_EVENT_TYPES.has(event.type)) return null;
  const session = event.data.object as {
    id?: unknown;
    payment_link?: unknown;
    payment_status?: unknown;
    payment_intent?: unknown;
  };
  if (typeof session.id !== 'string') return null;
  const link = session.payment_link;
  const intent = session.payment_intent;
  return {
    eventId: event.id,
    type: event.type,
    sessionId: session.id,
    paymentLink: typeof link === 'string' ? link : ((link as { id?: string } | null)?.id ?? null),
    paymentStatus: typeof session.payment_status === 'string' ? session.payment_status : 'unpaid',
    paymentIntent: typeof intent === 'string' ? intent : ((intent as { id?: string } | null)?.id ?? null),
    created: event.created,
  };
}

/**
 * The completed Checkout Sessions of a link, newest first, as payment events: what finsync reads when a
 * webhook may have been missed (no endpoint secret configured, or a delivery lost).
 */
export function completedSessions(api: StripeApi, linkId: string): Promise<CheckoutSessionEvent[]> {
  return api.call(async (sdk) => {
    const page = await sdk.checkout.sessions.list({ payment_link: linkId, limit: 10 });
    return page.data
      .filter((session) => session.status === 'complete' && session.payment_status === 'paid')
      .map((session) => ({
        eventId: `reconcile:${session.id}`,
        type: 'checkout.session.completed',
        sessionId: session.id,
        paymentLink: linkId,
        paymentStatus: 'paid',
        paymentIntent:
          typeof session.payment_intent === 'string'
            ? session.payment_intent
            : (session.payment_intent?.id ?? null),
        created: session.created,
      }));
  });
}
