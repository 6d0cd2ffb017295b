/**
 * What every provider webhook route (connectors/<id>/webhook-route.ts) shares: a bounded read of the raw
 * body (signatures cover exact bytes), short JSON answers, one warn line per refusal that never carries the
 * body, a signature or a token, and a memory of deliveries already handled (replays, kept in the store).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CheckoutSessionEvent } from '../../connectors/stripe/payment-links.ts';
import type { Credentials } from '../../connectors/types.ts';
import type { Logger } from '../log.ts';
import type { ReplayStore } from '../store/ports/replays.ts';
import type { Connection } from '../store/types.ts';

/** What a webhook route needs of the app: connections to match, their secrets, and the debounced enqueue. */
export interface WebhookDeps {
  readonly log: Logger;
  readonly connections: () => Promise<readonly Connection[]>;
  /** Decrypted credentials; throws for a tampered or undecryptable record (named in the error). */
  readonly credentialsOf: (connection: Connection) => Credentials;
  /** Queues a debounced sync with trigger `webhook` (Finsync.syncOnWebhook). */
  readonly syncOnWebhook: (connection: string, streams?: readonly string[]) => Promise<void>;
  /** Deliveries already handled, shared by every process on the store (`store.replays`). */
  readonly replays: ReplayStore;
  /** A Stripe Checkout event (a payment of a finsync payment link): the payment requests service. */
  readonly onStripeCheckout?: (connection: string, event: CheckoutSessionEvent) => Promise<void>;
  /** Clock in ms (replay window, Plaid's iat); tests may pin it. */
  readonly now?: () => number;
}

/** Larger than any event Stripe, Plaid or Intuit sends (Stripe's largest are a few hundred KB). */
export const WEBHOOK_MAX_BODY = 1024 * 1024;
/** How long a handled delivery is remembered: longer than Stripe's 300 s and Plaid's 5 min freshness. */
export const REPLAY_WINDOW_MS = 10 * 60_000;

/** Reads the raw body, or gives up (without buffering the rest) once it is over `limit` bytes. */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) return 'too_large';
      chunks.push(chunk as Buffer);
    }
  } catch {
    return 'aborted'; // the sender went away mid-body: nobody is left to answer
  }
  return Buffer.concat(chunks);
}

/**
 * The raw body for a webhook route, or null once the request has been dealt with: a body over the limit is
 * refused with 413 (and logged), a sender that hung up mid-body is only noted at debug level.
 */
export async function readWebhookBody(
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  provider: string,
  limit = WEBHOOK_MAX_BODY,
): Promise<Buffer | null> {
  const body = await readLimited(req, limit);
  if (body === 'too_large') {
    refuse(res, log, provider, 'too_large');
    return null;
  }
  if (body === 'aborted') {
    log.debug('webhook sender hung up before the body was read', { provider });
    res.destroy();
    return null;
  }
  return body;
}

export function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    // A refused body may still be arriving; do not keep reading it on this connection.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  res.end(JSON.stringify(body));
}

/** Why a webhook was refused, as logged and answered. */
export type RefusalReason =
  | 'too_large'
  | 'missing_signature'
  | 'forged'
  | 'stale'
  | 'bad_algorithm'
  | 'unknown_key'
  | 'expired_key'
  | 'invalid_body'
  | 'unknown_account'
  | 'not_configured';

const STATUS: Readonly<Record<RefusalReason, number>> = {
  too_large: 413,
  missing_signature: 401,
  forged: 401,
  stale: 401,
  bad_algorithm: 401,
  unknown_key: 401,
  expired_key: 401,
  not_configured: 401,
  invalid_body: 400,
  unknown_account: 400,
};

/**
 * Answers a refused webhook (4xx, never 5xx: it is the sender's input) and logs it once. `detail` holds
 * identifiers only (event id, account, item or realm id); callers never pass the body or headers.
 */
export function refuse(
  res: ServerResponse,
  log: Logger,
  provider: string,
  reason: RefusalReason,
  detail: Readonly<Record<string, string | number | undefined>> = {},
): void {
  const status = STATUS[reason];
  log.warn('webhook refused', { provider, reason, status, ...detail });
  sendJson(res, status, { ok: false, error: reason });
}

/**
 * A delivery handled before (within REPLAY_WINDOW_MS): answered 200 so a provider that re-sends after a lost
 * answer stops retrying, but nothing is queued again. Logged once, like a refusal.
 */
export function ignoreReplay(
  res: ServerResponse,
  log: Logger,
  provider: string,
  detail: Readonly<Record<string, string | number | undefined>> = {},
): void {
  log.warn('webhook replay ignored', { provider, reason: 'replayed', status: 200, ...detail });
  sendJson(res, 200, { ok: true, duplicate: true });
}

/** Handler wrapper: an unexpected failure of ours is a logged 500 (the provider retries), never a crash. */
export function webhookRoute(
  log: Logger,
  provider: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('webhook could not be handled', {
        provider,
        error: error instanceof Error ? error.message : String(error),
      });
      sendJson(res, 500, { ok: false, error: 'internal' });
    });
  };
}

/** How often expired replay keys are swept from the store (by whichever process claims next). */
const PURGE_EVERY_MS = 60_000;

/**
 * Deliveries handled in the last REPLAY_WINDOW_MS, by key (a Stripe event id, a hash of the Plaid JWT or
 * the Intuit body). Kept in the store (`webhook:`-prefixed keys), so a delivery replayed to another process
 * sharing it is a replay there too.
 */
export class ReplayGuard {
  private purgedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly replays: ReplayStore,
    private readonly now: () => number = Date.now,
    private readonly windowMs = REPLAY_WINDOW_MS,
  ) {}

  /** True the first time a key is claimed within the window, in any process; false for a replay. */
  async claim(key: string): Promise<boolean> {
    const now = this.now();
    if (now - this.purgedAt >= PURGE_EVERY_MS) {
      this.purgedAt = now;
      await this.replays.purgeExpired(now);
    }
    return this.replays.claim(`webhook:${key}`, this.windowMs, now);
  }

  /** Forgets a claim whose handling failed, so the provider's retry is not taken for a replay. */
  async release(key: string): Promise<void> {
    await this.replays.release(`webhook:${key}`);
  }
}
