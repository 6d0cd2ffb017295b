/**
 * POST /webhooks/plaid: verified by the `Plaid-Verification` JWT (webhook-keys.ts). `SYNC_UPDATES_AVAILABLE`
 * for an item finsync holds queues a debounced sync of that connection's transactions stream; other
 * webhooks are acknowledged and ignored.
 */
import { FinsyncError } from '../../src/errors.ts';
import {
  ignoreReplay,
  ReplayGuard,
  readWebhookBody,
  refuse,
  sendJson,
  type WebhookDeps,
  webhookRoute,
} from '../../src/webhooks/webhook-http.ts';
import { type JwtCheck, type PlaidKeyCache, verifyPlaidJwt } from './webhook-keys.ts';

export interface PlaidWebhookDeps extends WebhookDeps {
  readonly keys: PlaidKeyCache;
}

interface PlaidWebhookBody {
  readonly webhookType: string;
  readonly webhookCode: string;
  readonly itemId: string | null;
}

function parseBody(raw: Buffer): PlaidWebhookBody | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const v = value as Record<string, unknown>;
    if (typeof v['webhook_type'] !== 'string' || typeof v['webhook_code'] !== 'string') return null;
    return {
      webhookType: v['webhook_type'],
      webhookCode: v['webhook_code'],
      itemId: typeof v['item_id'] === 'string' && v['item_id'] !== '' ? v['item_id'] : null,
    };
  } catch {
    return null;
  }
}

export function plaidWebhook(deps: PlaidWebhookDeps) {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const replays = new ReplayGuard(deps.replays, now);
  let notConfiguredLogged = false;
  return webhookRoute(log, 'plaid', async (req, res) => {
    const raw = await readWebhookBody(req, res, log, 'plaid');
    if (!raw) return;
    const header = req.headers['plaid-verification'];
    let check: JwtCheck;
    try {
      check = await verifyPlaidJwt(typeof header === 'string' ? header : undefined, raw, deps.keys, now());
    } catch (error) {
      if (error instanceof FinsyncError && error.errorClass === 'config') {
        if (!notConfiguredLogged) log.warn('Plaid webhook refused: PLAID_CLIENT_ID/PLAID_SECRET are not set');
        notConfiguredLogged = true;
        return sendJson(res, 401, { ok: false, error: 'not_configured' });
      }
      // Plaid could not tell us the key: our side (or Plaid's) is down, not the sender's input. 503 makes
      // Plaid deliver again later.
      log.warn('Plaid webhook not verified: the verification key could not be fetched', {
        error: error instanceof Error ? error.message : String(error),
      });
      return sendJson(res, 503, { ok: false, error: 'verification key unavailable' });
    }
    if (!check.ok) return refuse(res, log, 'plaid', check.reason);

    const body = parseBody(raw);
    if (!body) return refuse(res, log, 'plaid', 'invalid_body');
    const detail = {
      webhookType: body.webhookType,
      webhookCode: body.webhookCode,
      itemId: body.itemId ?? undefined,
    };
    if (body.webhookType !== 'TRANSACTIONS' || body.webhookCode !== 'SYNC_UPDATES_AVAILABLE') {
      log.debug('Plaid webhook ignored: no sync needed', detail);
      return sendJson(res, 200, { ok: true, ignored: true });
    }
    const targets = (await deps.connections()).filter(
      (c) => c.provider === 'plaid' && body.itemId !== null && c.accountId === body.itemId,
    );
    if (targets.length === 0) return refuse(res, log, 'plaid', 'unknown_account', detail);
    // The same JWT again is a replay. A new delivery of an identical body (Plaid sends the same
    // SYNC_UPDATES_AVAILABLE body for every update of an item) is signed anew, so it still syncs.
    const key = `plaid:${check.tokenHash}`;
    if (!(await replays.claim(key))) return ignoreReplay(res, log, 'plaid', detail);
    try {
      for (const connection of targets) await deps.syncOnWebhook(connection.name, ['transactions']);
    } catch (error) {
      await replays.release(key);
      throw error;
    }
    log.debug('Plaid webhook queued a sync', {
      ...detail,
      connections: targets.map((c) => c.name).join(','),
    });
    sendJson(res, 200, { ok: true });
  });
}
