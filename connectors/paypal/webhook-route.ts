/**
 * POST /webhooks/paypal: PayPal webhook deliveries, verified the documented way: finsync posts the delivery's
 * headers and event to `POST /v1/notifications/verify-webhook-signature` at PAYPAL_API_BASE, with the
 * `webhook_id` stored with each PayPal connection and that connection's app token, and accepts only
 * `verification_status: SUCCESS`. Before asking PayPal, the certificate URL must be https on paypal.com (a
 * delivery naming any other host is forged on its face). The connection whose webhook id verifies gets a
 * debounced incremental sync; like Stripe's, the event's resource is not written from here: the sync reads
 * the transaction from Transaction Search, so a late or repeated delivery cannot put an older status over a
 * newer one.
 */
import type { Connection } from '../../src/store/types.ts';
import {
  ignoreReplay,
  ReplayGuard,
  readWebhookBody,
  refuse,
  sendJson,
  webhookRoute,
} from '../../src/webhooks/webhook-http.ts';
import type { ProviderWebhookDeps } from '../provider.ts';
import { PayPalApi } from './client.ts';
import type { PayPalSettings } from './settings.ts';
import { isObject } from './wire.ts';

/** Events about money finsync reads from Transaction Search (payments, refunds, reversals, disputes, payouts). */
const RELEVANT =
  /^(PAYMENT\.|PAYMENTS\.|CHECKOUT\.ORDER\.COMPLETED$|CUSTOMER\.DISPUTE\.|RISK\.DISPUTE\.|INVOICING\.INVOICE\.PAID$)/;

export function isRelevantPayPalEvent(type: string): boolean {
  return RELEVANT.test(type);
}

/** PayPal's certificates are served from paypal.com hosts over https; anything else is refused unasked. */
export function isPayPalCertUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' && (url.hostname === 'paypal.com' || url.hostname.endsWith('.paypal.com'))
    );
  } catch {
    return false;
  }
}

const HEADERS = {
  transmission_id: 'paypal-transmission-id',
  transmission_time: 'paypal-transmission-time',
  transmission_sig: 'paypal-transmission-sig',
  cert_url: 'paypal-cert-url',
  auth_algo: 'paypal-auth-algo',
} as const;

export function paypalWebhook(deps: ProviderWebhookDeps<PayPalSettings>) {
  const { log } = deps;
  const replays = new ReplayGuard(deps.replays, deps.now);
  return webhookRoute(log, 'paypal', async (req, res) => {
    const body = await readWebhookBody(req, res, log, 'paypal');
    if (!body) return;
    const signed: Record<string, string> = {};
    for (const [field, header] of Object.entries(HEADERS)) {
      const value = req.headers[header];
      if (typeof value !== 'string' || value.trim() === '')
        return refuse(res, log, 'paypal', 'missing_signature');
      signed[field] = value.trim();
    }
    if (!isPayPalCertUrl(signed.cert_url!))
      return refuse(res, log, 'paypal', 'forged', { check: 'cert_url' });
    let event: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (!isObject(parsed) || typeof parsed.id !== 'string') throw new Error('not an event');
      event = parsed as Record<string, unknown>;
    } catch {
      return refuse(res, log, 'paypal', 'invalid_body');
    }

    const verified: Connection[] = [];
    let candidates = 0;
    let unanswered: unknown;
    for (const connection of await deps.connections()) {
      if (connection.provider !== 'paypal') continue;
      let credentials: Record<string, string | undefined>;
      try {
        credentials = { ...deps.credentialsOf(connection) };
      } catch (error) {
        log.warn("PayPal webhook: a connection's credentials could not be opened", {
          connection: connection.name,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      const { webhook_id: webhookId, client_id: clientId, client_secret: clientSecret } = credentials;
      if (!webhookId || !clientId || !clientSecret) continue;
      candidates += 1;
      // One quick attempt: PayPal retries a delivery that is not answered 2xx.
      const api = new PayPalApi({ clientId, clientSecret }, deps.connectorContext(), {
        retry: { attempts: 2 },
      });
      try {
        const ok = await api.verifyWebhookSignature({
          auth_algo: signed.auth_algo!,
          cert_url: signed.cert_url!,
          transmission_id: signed.transmission_id!,
          transmission_sig: signed.transmission_sig!,
          transmission_time: signed.transmission_time!,
          webhook_id: webhookId,
          webhook_event: event,
        });
        if (ok) verified.push(connection);
      } catch (error) {
        // One connection's app that cannot ask PayPal (revoked, PayPal down) must not hide another's match.
        unanswered = error;
        log.warn('PayPal webhook: the verification call failed for a connection', {
          connection: connection.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    // Nobody could ask PayPal: a 500 makes PayPal deliver again later, instead of refusing a genuine event.
    if (verified.length === 0 && unanswered !== undefined) throw unanswered;
    if (verified.length === 0) return refuse(res, log, 'paypal', 'forged', { candidates });

    const type = typeof event.event_type === 'string' ? event.event_type : '';
    if (!isRelevantPayPalEvent(type)) {
      log.debug('PayPal webhook ignored: not about money finsync reads', {
        eventId: event.id as string,
        type,
      });
      return sendJson(res, 200, { ok: true, ignored: true });
    }
    const key = `paypal:${event.id as string}`;
    if (!(await replays.claim(key))) return ignoreReplay(res, log, 'paypal', { eventId: event.id as string });
    try {
      for (const connection of verified) await deps.syncOnWebhook(connection.name);
    } catch (error) {
      await replays.release(key);
      throw error;
    }
    log.debug('PayPal webhook queued a sync', {
      eventId: event.id as string,
      type,
      connections: verified.map((c) => c.name).join(','),
    });
    sendJson(res, 200, { ok: true });
  });
}
