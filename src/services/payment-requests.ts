/**
 * Payment requests, the same for Slack, the CLI and the sandbox: ask for an amount through a Stripe Payment
 * Link, approve above a limit, cancel, expire, and learn that it was paid.
 *
 * One link per request, whatever is repeated: the request's id is derived from the Slack request that asked
 * (a replayed delivery or a double submit finds the same request), the request is stored (`creating`) before
 * Stripe is called, and Stripe is called with an idempotency key derived from that id. A crash after Stripe
 * answered leaves the request `creating`; resuming it (the app's tick, or the same request asked again) sends
 * the same key and gets the same link back.
 *
 * Paid once: every state change is a compare-and-set in the store (ports/payment-requests.ts); only the
 * process whose change wins tells Slack, and the outbox key (`payment:<id>:reply:paid`) is a second guard.
 */
import { createHash } from 'node:crypto';
import { StripeApi } from '../../connectors/stripe/client.ts';
import {
  type CheckoutSessionEvent,
  createPaymentLink,
  deactivatePaymentLink,
} from '../../connectors/stripe/payment-links.ts';
import type { StripeContext } from '../../connectors/stripe/settings.ts';
import type { ConnectorContext, Credentials } from '../../connectors/types.ts';
import { parsePaymentAmount } from '../commands/payment-amount.ts';
import {
  AuthError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  TransientError,
  UserInputError,
} from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import { paymentClosedReply } from '../messages/payment-request.ts';
import { formatMoney } from '../money.ts';
import type { Outbox } from '../notify/outbox.ts';
import type { PaymentSettings } from '../payment-settings.ts';
import type { PaymentRequest, PaymentRequestState } from '../store/ports/payment-requests.ts';
import type { AuditEntry, Connection, Store } from '../store/types.ts';
import { PaymentRequestPosts } from './payment-request-posts.ts';
import { stripeAmountOf, stripeConnectionNamed } from './payment-request-stripe.ts';
import { linkIdempotencyKey, PaymentSettlement } from './payment-settlement.ts';

export { linkIdempotencyKey, REQUEST_LIFETIME_DAYS } from './payment-settlement.ts';

export interface PaymentRequestDeps {
  readonly store: Store;
  readonly outbox: Pick<Outbox, 'enqueue'>;
  readonly settings: PaymentSettings;
  /** FINSYNC_ADMINS: who is asked by DM to approve a request whose message lives in a DM. */
  readonly admins: readonly string[];
  readonly isAdmin: (userId: string) => Promise<boolean>;
  /** Throws ForbiddenError naming the admins (and audits the refusal): Finsync.requireAdmin. */
  readonly requireAdmin: (userId: string, action: string, connection: string | null) => Promise<void>;
  readonly audit: (entry: Omit<AuditEntry, 'at'>) => Promise<void>;
  readonly credentialsOf: (connection: Connection) => Credentials;
  readonly connectorContext: (provider: string) => ConnectorContext;
  readonly log: Logger;
  readonly now: () => Date;
  /** Test seam: runs right after Stripe answered a link creation, before finsync stores it (a crash point). */
  readonly afterStripeAnswer?: (request: PaymentRequest) => void | Promise<void>;
}

export interface NewRequest {
  readonly actor: string;
  readonly amountText: string;
  readonly currencyText: string | undefined;
  readonly description: string;
  /** The Stripe connection to use; null: the only one there is. */
  readonly via: string | null;
  /** Where the request's message goes (a channel id, or the actor's id for a DM). */
  readonly channel: string;
  /** The Slack request that asked (`command:<trigger_id>`, `view:<view_id>`): the same origin, the same request. */
  readonly origin: string;
}

export type Decision =
  | { readonly kind: 'done'; readonly request: PaymentRequest }
  /** Already decided or no longer in that state: what it is now. */
  | { readonly kind: 'already'; readonly request: PaymentRequest };

export type RequestFilter = 'open' | 'paid' | 'all';

/** `pr_` and 20 hex characters of a hash of where the request came from. */
export function requestIdFor(origin: string): string {
  return `pr_${createHash('sha256').update(origin).digest('hex').slice(0, 20)}`;
}

/** A `creating` request untouched this long was left by a process that stopped (or a Stripe that did not answer). */
const RESUME_AFTER_MS = 60_000;

export class PaymentRequests {
  private readonly posts: PaymentRequestPosts;
  /** Paid, failed attempts, expiry (payment-settlement.ts). */
  private readonly settlement: PaymentSettlement;

  constructor(private readonly deps: PaymentRequestDeps) {
    this.posts = new PaymentRequestPosts(deps.outbox, deps.admins);
    this.settlement = new PaymentSettlement({
      store: deps.store,
      posts: this.posts,
      api: (connection) => this.api(connection),
      audit: (...args) => this.audit(...args),
      log: deps.log,
      now: deps.now,
    });
  }

  /** A Stripe Checkout event of a finsync link (the webhook): PaymentSettlement.onCheckoutEvent. */
  onCheckoutEvent(connection: string, event: CheckoutSessionEvent): Promise<void> {
    return this.settlement.onCheckoutEvent(connection, event);
  }

  /** Asks Stripe for payments of open links that no webhook told (PaymentSettlement.reconcile). */
  reconcile(limit?: number): Promise<number> {
    return this.settlement.reconcile(limit);
  }

  /** Deactivates open links past their lifetime (PaymentSettlement.expireDue). */
  expireDue(): Promise<number> {
    return this.settlement.expireDue();
  }

  private get store() {
    return this.deps.store.paymentRequests;
  }

  private async audit(
    actor: string,
    action: string,
    request: PaymentRequest,
    outcome: AuditEntry['outcome'],
    detail?: string,
  ): Promise<void> {
    const what = `${request.id} ${formatMoney(request.amount, request.currency)}`;
    await this.deps.audit({
      actor,
      action: `payment request: ${action}`,
      connection: request.connection,
      outcome,
      detail: redactText(detail ? `${what}: ${detail}` : what).slice(0, 500),
    });
  }

  /** Who may ask: admins, or everyone when FINSYNC_PAYMENT_REQUESTERS=everyone. */
  async mayRequest(userId: string): Promise<boolean> {
    return this.deps.settings.requesters === 'everyone' || (await this.deps.isAdmin(userId));
  }

  private api(connection: Connection): StripeApi {
    const key = this.deps.credentialsOf(connection)['api_key'] ?? '';
    return new StripeApi(key, this.deps.connectorContext('stripe') as StripeContext);
  }

  /**
   * Asks for money: checks the role and the amount, stores the request, then either posts it for approval
   * (above the limit) or creates its link and posts it. Asked again from the same origin: the same request.
   */
  async request(input: NewRequest): Promise<PaymentRequest> {
    const id = requestIdFor(input.origin);
    const known = await this.store.get(id);
    if (known) return known.state === 'creating' ? this.createLink(known) : known;
    if (!(await this.mayRequest(input.actor))) {
      await this.deps.requireAdmin(input.actor, 'request payments (FINSYNC_PAYMENT_REQUESTERS=admins)', null);
    }
    const parsed = parsePaymentAmount(input.amountText, input.currencyText);
    if (!parsed.ok) throw new UserInputError(parsed.problem);
    const description = input.description.replace(/\s+/g, ' ').trim();
    if (description === '') throw new UserInputError('Say what the payment is for, e.g. `Invoice 42`.');
    if (description.length > 250)
      throw new UserInputError(
        `The description is ${description.length} characters; Stripe shows at most 250.`,
      );
    const connection = await stripeConnectionNamed(this.deps.store, input.via);
    const { minor, currency } = parsed.amount;
    const limit = this.deps.settings.approvalAbove.get(currency);
    const needsApproval = limit !== undefined && minor > limit;
    if (needsApproval && !this.posts.canAskApproval(input.channel, input.actor))
      throw new UserInputError(
        `${formatMoney(minor, currency)} is above the approval limit and a second admin must see it: ask in a channel where finsync is.`,
      );
    const at = this.deps.now().toISOString();
    const { created, request } = await this.store.create({
      id,
      connection: connection.name,
      amount: minor,
      currency,
      description,
      requestedBy: input.actor,
      channel: input.channel,
      state: needsApproval ? 'awaiting_approval' : 'creating',
      stateReason: null,
      createdAt: at,
      updatedAt: at,
      needsApproval,
      decidedBy: null,
      decidedAt: null,
      linkId: null,
      url: null,
      paymentRef: null,
      paidAt: null,
      received: null,
      fee: null,
      net: null,
    });
    if (!created) return request.state === 'creating' ? this.createLink(request) : request;
    await this.audit(
      input.actor,
      needsApproval ? 'asked, awaiting approval' : 'asked',
      request,
      'ok',
      description,
    );
    if (!needsApproval) return this.createLink(request);
    await this.posts.askApproval(request, limit!);
    return request;
  }

  /**
   * Creates the link of a `creating` request with its idempotency key, stores it and posts the request's
   * message. Stripe's refusal ends the request as `failed` and is thrown in words; a transient failure leaves
   * it `creating`, to be resumed.
   */
  private async createLink(request: PaymentRequest): Promise<PaymentRequest> {
    const connection = await this.deps.store.getConnection(request.connection);
    if (!connection) return this.fail(request, `the connection ${request.connection} was removed`);
    let link: { id: string; url: string };
    try {
      link = await createPaymentLink(this.api(connection), {
        requestId: request.id,
        stripeAmount: stripeAmountOf(request),
        currency: request.currency,
        description: request.description,
        idempotencyKey: linkIdempotencyKey(request.id),
      });
    } catch (error) {
      if (error instanceof AuthError)
        return this.fail(
          request,
          `the key of ${connection.name} may not create payment links (${error.message})`,
        );
      if (error instanceof InvalidRequestError) return this.fail(request, error.message);
      if (error instanceof TransientError || error instanceof RateLimitError)
        throw new TransientError(
          `Stripe did not answer (${redactText(error.message).slice(0, 200)}). Request ${request.id} is kept: finsync asks Stripe again within a minute or two, with the same idempotency key, and posts its link then.`,
        );
      throw error;
    }
    await this.deps.afterStripeAnswer?.(request);
    const opened = await this.store.transition(request.id, ['creating'], 'open', {
      linkId: link.id,
      url: link.url,
      updatedAt: this.deps.now().toISOString(),
    });
    // Another process stored it first (the same link: same idempotency key): its message is posted once.
    const now = opened ?? (await this.store.get(request.id))!;
    if (opened)
      await this.audit(request.decidedBy ?? request.requestedBy, 'link created', opened, 'ok', link.id);
    await this.posts.post(now);
    return now;
  }

  private async fail(request: PaymentRequest, reason: string): Promise<never> {
    const words = redactText(reason).slice(0, 400);
    const failed = await this.store.transition(request.id, ['creating'], 'failed', {
      stateReason: `Stripe refused: ${words}`,
      updatedAt: this.deps.now().toISOString(),
    });
    if (failed) await this.audit(request.requestedBy, 'refused by Stripe', failed, 'failed', words);
    throw new UserInputError(`Stripe did not create the payment link: ${words}`);
  }

  async get(id: string): Promise<PaymentRequest> {
    const request = await this.store.get(id);
    if (!request) throw new NotFoundError(`finsync has no payment request ${id.slice(0, 40)}.`);
    return request;
  }

  /** A second admin approves: the link is created now. The requester cannot approve their own. */
  async approve(id: string, actor: string): Promise<Decision> {
    return this.decide(id, actor, 'approve');
  }

  async reject(id: string, actor: string): Promise<Decision> {
    return this.decide(id, actor, 'reject');
  }

  private async decide(id: string, actor: string, verdict: 'approve' | 'reject'): Promise<Decision> {
    const request = await this.get(id);
    await this.deps.requireAdmin(actor, `${verdict} payment requests`, request.connection);
    if (request.requestedBy === actor) {
      await this.audit(actor, verdict, request, 'refused', 'own request');
      throw new ForbiddenError(`You asked for this payment, so another admin must ${verdict} it.`);
    }
    const decided = await this.store.transition(
      id,
      ['awaiting_approval'],
      verdict === 'approve' ? 'creating' : 'rejected',
      {
        decidedBy: actor,
        decidedAt: this.deps.now().toISOString(),
        updatedAt: this.deps.now().toISOString(),
      },
    );
    if (!decided) return { kind: 'already', request: await this.get(id) };
    await this.audit(actor, verdict === 'approve' ? 'approved' : 'rejected', decided, 'ok');
    await this.posts.decided(decided);
    if (verdict === 'reject') return { kind: 'done', request: decided };
    return { kind: 'done', request: await this.createLink(decided) };
  }

  /** Deactivates the link, then marks the request cancelled. The requester or an admin may. */
  async cancel(id: string, actor: string): Promise<Decision> {
    const request = await this.get(id);
    if (request.requestedBy !== actor)
      await this.deps.requireAdmin(actor, 'cancel payment requests of others', request.connection);
    if (request.state === 'awaiting_approval') {
      const cancelled = await this.store.transition(id, ['awaiting_approval'], 'cancelled', {
        decidedBy: actor,
        updatedAt: this.deps.now().toISOString(),
      });
      if (!cancelled) return { kind: 'already', request: await this.get(id) };
      await this.audit(actor, 'cancelled before approval', cancelled, 'ok');
      await this.posts.decided(cancelled);
      return { kind: 'done', request: cancelled };
    }
    if (request.state !== 'open' || !request.linkId) return { kind: 'already', request };
    const connection = await this.deps.store.getConnection(request.connection);
    if (!connection)
      throw new NotFoundError(
        `The Stripe connection ${request.connection} was removed; deactivate the link in Stripe's Dashboard.`,
      );
    // Stripe first: a request marked cancelled whose link still takes money would be worse than the reverse.
    await deactivatePaymentLink(this.api(connection), request.linkId, `${linkIdempotencyKey(id)}-deactivate`);
    const cancelled = await this.store.transition(id, ['open'], 'cancelled', {
      decidedBy: actor,
      stateReason: `Cancelled by <@${actor}>.`,
      updatedAt: this.deps.now().toISOString(),
    });
    if (!cancelled) return { kind: 'already', request: await this.get(id) };
    await this.audit(actor, 'cancelled', cancelled, 'ok');
    await this.posts.announce(cancelled, paymentClosedReply(cancelled), 'cancelled');
    return { kind: 'done', request: cancelled };
  }

  /** Posts a copy of an open request in `channel` (Share in Channel), once per channel. Requester or admin. */
  async share(id: string, actor: string, channel: string): Promise<PaymentRequest> {
    const request = await this.get(id);
    if (request.requestedBy !== actor)
      await this.deps.requireAdmin(actor, 'share payment requests of others', request.connection);
    if (request.state !== 'open')
      throw new UserInputError(
        `Request ${id} is ${request.state.replace('_', ' ')}: only an open request is shared.`,
      );
    await this.posts.share(request, channel, actor);
    await this.audit(actor, 'shared', request, 'ok', channel);
    return request;
  }

  /** Requests left `creating` by a process that stopped (after or before Stripe answered): finished now. */
  async resumeCreating(): Promise<number> {
    let resumed = 0;
    const settled = this.deps.now().getTime() - RESUME_AFTER_MS;
    for (const request of await this.store.list({ states: ['creating'], limit: 100 })) {
      // A request changed moments ago may be being created right now by the process that stored it.
      if (Date.parse(request.updatedAt) > settled) continue;
      try {
        await this.createLink(request);
        resumed++;
      } catch (error) {
        this.deps.log.warn('a payment request could not be finished yet', {
          id: request.id,
          error: redactText(String(error)),
        });
      }
    }
    return resumed;
  }

  /** The timer's work: interrupted creations, payments without a webhook, expiries. Never throws. */
  async tick(): Promise<void> {
    try {
      await this.resumeCreating();
      await this.reconcile();
      await this.expireDue();
    } catch (error) {
      this.deps.log.warn('payment requests: tick failed', { error: redactText(String(error)) });
    }
  }

  /** Requests, newest first; seeing them is for those who may ask for them. */
  async list(actor: string, filter: RequestFilter, limit = 50): Promise<readonly PaymentRequest[]> {
    if (!(await this.mayRequest(actor))) await this.deps.requireAdmin(actor, 'see payment requests', null);
    const states: readonly PaymentRequestState[] | undefined =
      filter === 'open'
        ? ['awaiting_approval', 'creating', 'open']
        : filter === 'paid'
          ? ['paid']
          : undefined;
    return this.store.list({ ...(states ? { states } : {}), limit });
  }
}
