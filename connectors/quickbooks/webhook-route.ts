/**
 * POST /webhooks/quickbooks: Intuit's data-change notifications, verified by `intuit-signature` (base64
 * HMAC-SHA256 of the raw body with QUICKBOOKS_WEBHOOK_VERIFIER). For each company (realm) finsync holds whose
 * notification names an entity finsync syncs, a debounced sync is queued; that run reads the changes through
 * CDC. Intuit wants an answer within 3 s: nothing here waits on QuickBooks.
 */
import { createHash } from 'node:crypto';
import {
  ignoreReplay,
  ReplayGuard,
  readWebhookBody,
  refuse,
  sendJson,
  type WebhookDeps,
  webhookRoute,
} from '../../src/webhooks/webhook-http.ts';
import {
  type IntuitWebhook,
  parseIntuitWebhook,
  streamsForNotification,
  verifyIntuitSignature,
} from './webhook.ts';

export interface QuickBooksWebhookDeps extends WebhookDeps {
  /** QUICKBOOKS_WEBHOOK_VERIFIER; without it nothing can be verified and every delivery is refused. */
  readonly verifierToken: string | undefined;
}

export function quickbooksWebhook(deps: QuickBooksWebhookDeps) {
  const { log, verifierToken } = deps;
  const replays = new ReplayGuard(deps.replays, deps.now);
  let notConfiguredLogged = false;
  return webhookRoute(log, 'quickbooks', async (req, res) => {
    if (!verifierToken) {
      req.resume(); // discard the body without keeping it
      if (notConfiguredLogged) return sendJson(res, 401, { ok: false, error: 'not_configured' });
      notConfiguredLogged = true;
      log.warn('QuickBooks webhooks are refused: QUICKBOOKS_WEBHOOK_VERIFIER is not set');
      return sendJson(res, 401, { ok: false, error: 'not_configured' });
    }
    const body = await readWebhookBody(req, res, log, 'quickbooks');
    if (!body) return;
    const signature = req.headers['intuit-signature'];
    if (typeof signature !== 'string' || signature.trim() === '') {
      return refuse(res, log, 'quickbooks', 'missing_signature');
    }
    if (!verifyIntuitSignature(body, signature, verifierToken))
      return refuse(res, log, 'quickbooks', 'forged');
    let payload: IntuitWebhook;
    try {
      payload = parseIntuitWebhook(body);
    } catch {
      return refuse(res, log, 'quickbooks', 'invalid_body');
    }

    const connections = (await deps.connections()).filter((c) => c.provider === 'quickbooks');
    const known = payload.notifications.flatMap((n) =>
      connections.filter((c) => c.accountId === n.realmId).map((c) => ({ connection: c, notification: n })),
    );
    if (known.length === 0) {
      return refuse(res, log, 'quickbooks', 'unknown_account', { realms: payload.realmIds.join(',') });
    }
    // Only entities finsync syncs matter. The run covers all of the connection's streams (each a CDC read
    // from its cursor): debounced jobs merge, and a merged job must not narrow what earlier events asked for.
    const toSync = [
      ...new Set(
        known.filter((k) => streamsForNotification(k.notification).length > 0).map((k) => k.connection.name),
      ),
    ];
    if (toSync.length === 0) {
      log.debug('QuickBooks webhook ignored: no synced entity changed', {
        realms: payload.realmIds.join(','),
      });
      return sendJson(res, 200, { ok: true, ignored: true });
    }
    // Intuit signs no timestamp; an identical payload (same entities, same lastUpdated) is the same news.
    const key = `quickbooks:${createHash('sha256').update(body).digest('hex')}`;
    if (!(await replays.claim(key)))
      return ignoreReplay(res, log, 'quickbooks', { realms: payload.realmIds.join(',') });
    try {
      for (const name of toSync) await deps.syncOnWebhook(name);
    } catch (error) {
      await replays.release(key);
      throw error;
    }
    log.debug('QuickBooks webhook queued a sync', { connections: toSync.join(',') });
    sendJson(res, 200, { ok: true });
  });
}
