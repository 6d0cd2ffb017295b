/**
 * How finsync learns what happened to a request's money: Stripe's Checkout events (the webhook), a check of
 * open links' completed sessions (no webhook needed), and expiry. Paid once: the store's compare-and-set
 * decides, and only the process whose change wins tells Slack.
 */
import type { StripeApi } from '../../connectors/stripe/client.ts';
import {
  type CheckoutSessionEvent,
  completedSessions,
  deactivatePaymentLink,
  settlementOf,
} from '../../connectors/stripe/payment-links.ts';
import type { Logger } from '../log.ts';
import { paymentClosedReply, paymentPaidReply } from '../messages/payment-request.ts';
import type { PaymentRequest } from '../store/ports/payment-requests.ts';
import type { AuditEntry, Connection, Store } from '../store/types.ts';
import type { PaymentRequestPosts } from './payment-request-posts.ts';

/** How long an unpaid link stays open; then finsync deactivates it and the request is `expired`. */
export const REQUEST_LIFETIME_DAYS = 30;
const DAY_MS = 86_400_000;

/** The Idempotency-Key of the request's link creation: one request, one key, one link. */
export function linkIdempotencyKey(requestId: string): string {
  return `finsync-payment-link-${requestId}`;
}

export interface SettlementDeps {
  readonly store: Store;
  readonly posts: PaymentRequestPosts;
  readonly api: (connection: Connection) => StripeApi;
  readonly audit: (
    actor: string,
    action: string,
    request: PaymentRequest,
    outcome: AuditEntry['outcome'],
    detail?: string,
  ) => Promise<void>;
  readonly log: Logger;
  readonly now: () => Date;
}

export class PaymentSettlement {
  constructor(private readonly deps: SettlementDeps) {}

  private get requests() {
    return this.deps.store.paymentRequests;
  }

  /**
   * A Checkout event of a finsync link (the Stripe webhook): paid → the request is marked paid once and the
   * thread told received, fee and net; a failed attempt → told once per session. Others are ignored.
   */
  async onCheckoutEvent(connection: string, event: CheckoutSessionEvent): Promise<void> {
    if (!event.paymentLink) return;
    const request = await this.requests.findByLink(event.paymentLink);
    if (!request || request.connection !== connection) {
      this.deps.log.debug('Stripe checkout event for a link finsync did not make', {
        eventId: event.eventId,
      });
      return;
    }
    const at = new Date(event.created * 1000).toISOString();
    if (event.type === 'checkout.session.async_payment_failed') {
      await this.deps.audit('stripe', 'payment failed', request, 'failed', event.sessionId);
      await this.deps.posts.failedAttempt(request, event.sessionId, at);
      return;
    }
    if (event.paymentStatus !== 'paid' || !event.paymentIntent) return;
    await this.markPaid(request, event.sessionId, event.paymentIntent, at);
  }

  /** True when this call marked it paid (false: it already was, or nothing to mark). */
  private async markPaid(
    request: PaymentRequest,
    sessionId: string,
    paymentIntent: string,
    at: string,
  ): Promise<boolean> {
    if (request.state === 'paid') return false;
    const connection = await this.deps.store.getConnection(request.connection);
    if (!connection) return false;
    const settlement = await settlementOf(this.deps.api(connection), paymentIntent);
    // Money that arrived counts even if the request was cancelled or expired meanwhile (a checkout begun
    // before the link was deactivated may still complete).
    const paid = await this.requests.transition(request.id, ['open', 'cancelled', 'expired'], 'paid', {
      paymentRef: sessionId,
      paidAt: at,
      received: settlement.received,
      fee: settlement.fee,
      net: settlement.net,
      settlementCurrency: settlement.settlementCurrency,
      updatedAt: this.deps.now().toISOString(),
    });
    if (!paid) return false;
    const partly = paid.received !== null && paid.received < paid.amount;
    await this.deps.audit('stripe', partly ? 'partly paid' : 'paid', paid, 'ok', sessionId);
    await this.deps.posts.announce(paid, paymentPaidReply(paid), 'paid');
    return true;
  }

  /**
   * Asks Stripe whether open links were paid: the path that needs no webhook (a connection without an endpoint
   * secret, a lost delivery). Marks paid exactly as the webhook does, so whichever comes first tells Slack.
   */
  async reconcile(limit = 20): Promise<number> {
    let paid = 0;
    for (const request of await this.requests.list({ states: ['open'], limit })) {
      const connection = await this.deps.store.getConnection(request.connection);
      if (!connection || !request.linkId) continue;
      const [session] = await completedSessions(this.deps.api(connection), request.linkId);
      if (!session?.paymentIntent) continue;
      const at = new Date(session.created * 1000).toISOString();
      if (await this.markPaid(request, session.sessionId, session.paymentIntent, at)) paid++;
    }
    return paid;
  }

  /** Open links older than REQUEST_LIFETIME_DAYS are deactivated and their requests expire. */
  async expireDue(): Promise<number> {
    const cutoff = this.deps.now().getTime() - REQUEST_LIFETIME_DAYS * DAY_MS;
    let expired = 0;
    for (const request of await this.requests.list({ states: ['open'], limit: 1000 })) {
      if (Date.parse(request.createdAt) > cutoff || !request.linkId) continue;
      const connection = await this.deps.store.getConnection(request.connection);
      if (connection)
        await deactivatePaymentLink(
          this.deps.api(connection),
          request.linkId,
          `${linkIdempotencyKey(request.id)}-deactivate`,
        );
      const done = await this.requests.transition(request.id, ['open'], 'expired', {
        stateReason: `Expired after ${REQUEST_LIFETIME_DAYS} days without payment.`,
        updatedAt: this.deps.now().toISOString(),
      });
      if (!done) continue;
      expired++;
      await this.deps.audit('finsync', 'expired', done, 'ok');
      await this.deps.posts.announce(done, paymentClosedReply(done), 'expired');
    }
    return expired;
  }
}
