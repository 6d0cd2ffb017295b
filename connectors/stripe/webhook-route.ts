/**
 * POST /webhooks/stripe: Stripe events, verified with the SDK (`constructEvent`, 300 s tolerance) against the
 * endpoint secret (`webhook_secret`) stored with each Stripe connection. The secret that verifies names the
 * connection; a Connect event's `account` must also be that connection's account. Events about the objects
 * finsync syncs queue a debounced incremental sync; Checkout events (`checkout.session.completed`,
 * `…async_payment_succeeded`, `…async_payment_failed`: how Stripe reports a Payment Link's payment) go to the
 * payment requests service; others are acknowledged and ignored.
 *
 * The event's own `data.object` is not written from here: the sync's `events` stream
 * (connectors/stripe/events-stream.ts) finds the same event in `GET /v1/events` and stores the object as
 * Stripe has it now, through the engine (one run per connection, records stored before the cursor moves).
 * One path then serves installations with and without webhooks, and a late, repeated or out-of-order
 * delivery (Stripe promises no order) cannot put an older status over a newer one.
 */
import Stripe from 'stripe';
import type { Connection } from '../../src/store/types.ts';
import {
  ignoreReplay,
  ReplayGuard,
  readWebhookBody,
  refuse,
  sendJson,
  type WebhookDeps,
  webhookRoute,
} from '../../src/webhooks/webhook-http.ts';
import { parseCheckoutEvent } from './payment-links.ts';

/** Stripe's own default: a signed timestamp older than this is refused. */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** Event types that announce a new or changed object the Stripe streams read (disputes are charge.dispute.*). */
const RELEVANT =
  /^(balance\.available|charge\.[a-z_.]+|payout\.[a-z_.]+|refund\.[a-z_.]+|customer\.[a-z_.]+)$/;

export function isRelevantStripeEvent(type: string): boolean {
  return RELEVANT.test(type);
}

type Verification =
  | { readonly kind: 'verified'; readonly event: Stripe.Event }
  | { readonly kind: 'stale' | 'not_json' | 'no' };

/** One secret against the header: verified, genuine but too old, signed but not JSON, or not this secret. */
function verifyWith(body: Buffer, header: string, secret: string): Verification {
  try {
    return {
      kind: 'verified',
      event: Stripe.webhooks.constructEvent(body, header, secret, STRIPE_TOLERANCE_SECONDS),
    };
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) return { kind: 'not_json' };
  }
  try {
    // Only to tell "stale" from "forged" in the log: the same check with no practical age limit.
    Stripe.webhooks.constructEvent(body, header, secret, 10 ** 12);
    return { kind: 'stale' };
  } catch {
    return { kind: 'no' };
  }
}

export function stripeWebhook(deps: WebhookDeps) {
  const { log } = deps;
  const replays = new ReplayGuard(deps.replays, deps.now);
  return webhookRoute(log, 'stripe', async (req, res) => {
    const body = await readWebhookBody(req, res, log, 'stripe');
    if (!body) return;
    const header = req.headers['stripe-signature'];
    if (typeof header !== 'string' || header.trim() === '')
      return refuse(res, log, 'stripe', 'missing_signature');

    const verified: Connection[] = [];
    let event: Stripe.Event | undefined;
    let outcome: 'forged' | 'stale' | 'invalid_body' = 'forged';
    let secrets = 0;
    for (const connection of await deps.connections()) {
      if (connection.provider !== 'stripe') continue;
      let secret: string | undefined;
      try {
        secret = deps.credentialsOf(connection)['webhook_secret'];
      } catch (error) {
        log.warn("Stripe webhook: a connection's credentials could not be opened", {
          connection: connection.name,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      if (!secret) continue;
      secrets += 1;
      const result = verifyWith(body, header, secret);
      if (result.kind === 'verified') {
        event = result.event;
        verified.push(connection);
      } else if (result.kind === 'stale') outcome = 'stale';
      else if (result.kind === 'not_json') outcome = 'invalid_body';
    }
    // `secrets`: how many connections have an endpoint secret to try (0: none was ever entered).
    if (!event) return refuse(res, log, 'stripe', outcome, { secrets });

    // Several connections may share an endpoint secret (a Connect platform endpoint): the event's account
    // picks among them. Without an account (a direct account's event) every verifying connection syncs.
    const account = typeof event.account === 'string' ? event.account : undefined;
    const targets = account ? verified.filter((c) => c.accountId === account) : verified;
    if (targets.length === 0) {
      return refuse(res, log, 'stripe', 'unknown_account', { eventId: event.id, account });
    }
    // A payment of a finsync payment link: the payment requests service marks the request paid (once).
    const checkout = parseCheckoutEvent(event);
    if (checkout && deps.onStripeCheckout) {
      const key = `stripe:${event.id}`;
      if (!(await replays.claim(key))) return ignoreReplay(res, log, 'stripe', { eventId: event.id });
      try {
        for (const connection of targets) await deps.onStripeCheckout(connection.name, checkout);
      } catch (error) {
        // Stripe retries a delivery that failed: the next one may succeed (a marked-paid request is not repeated).
        await replays.release(key);
        throw error;
      }
      log.debug('Stripe webhook: payment link checkout handled', { eventId: event.id, type: event.type });
      return sendJson(res, 200, { ok: true });
    }
    if (!isRelevantStripeEvent(event.type)) {
      log.debug('Stripe webhook ignored: not about synced objects', { eventId: event.id, type: event.type });
      return sendJson(res, 200, { ok: true, ignored: true });
    }
    const key = `stripe:${event.id}`;
    if (!(await replays.claim(key))) return ignoreReplay(res, log, 'stripe', { eventId: event.id });
    try {
      for (const connection of targets) await deps.syncOnWebhook(connection.name);
    } catch (error) {
      await replays.release(key);
      throw error;
    }
    log.debug('Stripe webhook queued a sync', {
      eventId: event.id,
      type: event.type,
      connections: targets.map((c) => c.name).join(','),
    });
    sendJson(res, 200, { ok: true });
  });
}
