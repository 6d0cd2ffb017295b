/**
 * A local HTTP server speaking Stripe's wire format for the read endpoints finsync uses, with seeded data
 * (see emulator-data.ts) and fault injection. Shared by the tests and the sandbox. Reads only: the
 * connector never writes to Stripe. Its clock (emulator-clock.ts) can be moved forward; objects change as
 * it moves (emulator-lifecycle.ts) and each change is an event in `GET /v1/events` (emulator-events.ts).
 * Payment Links are the one thing it writes (emulator-payments.ts): created, deactivated and paid, with
 * Stripe's idempotency rules, and their payments sent as signed webhooks to the endpoint set with
 * `control.sendWebhooksTo` (other objects' events are only in `/v1/events`: tests sign those themselves).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorClock } from './emulator-clock.ts';
import { Dataset, type ListName } from './emulator-data.ts';
import { buildEvent, type EventEntry, EventLog, parseEventQuery } from './emulator-events.ts';
import {
  type DisputeOutcome,
  Lifecycle,
  type PayoutOutcome,
  type RefundOutcome,
} from './emulator-lifecycle.ts';
import { buildAccount, buildBalance, buildObject, listPage } from './emulator-objects.ts';
import { EmulatedPayments, type Payment, type PayOutcome, type WebhookTarget } from './emulator-payments.ts';
import {
  ApiError,
  authenticate,
  invalid,
  type KeyPolicy,
  LISTS,
  OBJECT_NAME,
  parseListQuery,
} from './emulator-requests.ts';

export const EMULATOR_SECRET_KEY = 'sk_test_51FinsyncEmulatorSecretKey0000';
export const EMULATOR_RESTRICTED_KEY = 'rk_test_51FinsyncEmulatorRestricted0000';
export const EMULATOR_NO_BALANCE_KEY = 'rk_test_51FinsyncEmulatorNoBalance0000';
export { EMULATOR_WEBHOOK_SECRET } from './emulator-secrets.ts';

export interface StripeEmulatorOptions {
  readonly port?: number;
  readonly seed?: number;
  /** Balance transactions generated up front (customers are interleaved on top). */
  readonly count?: number;
  /** Epoch seconds of the first object; default 2024-01-01T00:00:00Z. */
  readonly startTime?: number;
  readonly spacingSeconds?: number;
  readonly secretKeys?: readonly string[];
  readonly restrictedKeys?: readonly { readonly key: string; readonly balanceRead: boolean }[];
  /** Clock in ms; decides when `addObjects` happen and pending vs available. */
  readonly now?: () => number;
  readonly accountName?: string;
  /**
   * Secret keys of other Stripe accounts (one emulator stands in for Stripe, where each key belongs to one
   * account): they read the same data, but `/v1/account` answers with their own account.
   */
  readonly otherAccounts?: readonly { readonly key: string; readonly id: string; readonly name: string }[];
}

export type StripeFault =
  | { readonly type: 'rate_limit'; readonly retryAfterSeconds?: number }
  | { readonly type: 'server_error'; readonly status?: number }
  | { readonly type: 'hang' }
  | { readonly type: 'reset' }
  | { readonly type: 'malformed_json' }
  /** 401 api_key_expired: the key was rolled or revoked in the Dashboard (an authentication failure). */
  | { readonly type: 'expired_key' };

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number | 'hang' | 'reset';
}

export interface StripeEmulatorControl {
  /** The emulator's clock: `advance(seconds)` moves it forward and records every change due by then. */
  readonly clock: EmulatorClock;
  /** A new payout, pending, in transit after an hour, then paid or failed after `settlesAfterSeconds` (2 days). */
  addPayout(options?: { readonly outcome?: PayoutOutcome; readonly settlesAfterSeconds?: number }): string;
  /** A refund (of `charge`, or of a new charge), pending until it succeeds or fails (after 1 day by default). */
  addRefund(options?: {
    readonly charge?: string;
    readonly outcome?: RefundOutcome;
    readonly settlesAfterSeconds?: number;
  }): string;
  /** A dispute (of `charge`, or of a new charge), under review half-way, won or lost after 10 days by default. */
  openDispute(options?: {
    readonly charge?: string;
    readonly outcome?: DisputeOutcome;
    readonly decidedAfterSeconds?: number;
  }): string;
  /** Every event still kept, newest first, as `GET /v1/events` renders them. */
  events(): Record<string, unknown>[];
  /** Appends newer objects holding `count` balance transactions, created at `created` (epoch s) or now. */
  addObjects(count: number, options?: { readonly created?: number }): string[];
  counts(): Record<ListName, number>;
  /** The next `times` requests (whose path starts with `pathPrefix`, if given) answer with `fault`. */
  injectFault(fault: StripeFault, times?: number, pathPrefix?: string): void;
  clearFaults(): void;
  readonly requestLog: readonly LoggedRequest[];
  clearLog(): void;
  /** The dataset behind the answers (ids and amounts by event index), for tests. */
  readonly data: Dataset;
  /** Where payment events are delivered, signed with `secret` (the app's POST /webhooks/stripe). */
  sendWebhooksTo(target: WebhookTarget | undefined): void;
  /** A customer pays a Payment Link (or the payment fails); the event is delivered before this resolves. */
  payLink(linkId: string, options?: { outcome?: PayOutcome; received?: number }): Promise<Payment>;
  /** A Payment Link as Stripe would answer it, and how many exist (tests count links). */
  paymentLink(linkId: string): Record<string, unknown> | undefined;
  paymentLinkCount(): number;
}

export interface StripeEmulator {
  readonly url: string;
  readonly port: number;
  /** A secret key the emulator accepts (the first of `secretKeys`). */
  readonly secretKey: string;
  readonly control: StripeEmulatorControl;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const clock = new EmulatorClock(options.now ?? Date.now);
  const data = new Dataset({
    seed: options.seed ?? 1,
    startTime: options.startTime ?? 1_704_067_200,
    spacingSeconds: options.spacingSeconds ?? 60,
  });
  data.append(options.count ?? 200);
  const eventLog = new EventLog(options.seed ?? 1);
  const lifecycle = new Lifecycle(data, eventLog, clock.nowSeconds());
  clock.onAdvance((ms) => lifecycle.advanceTo(Math.floor(ms / 1000)));
  /** Brings the objects up to the clock (a real clock moves without `advance`) and returns now in seconds. */
  const tick = () => {
    const seconds = clock.nowSeconds();
    lifecycle.advanceTo(seconds);
    return seconds;
  };
  const renderEvent = (entry: EventEntry) =>
    buildEvent(
      entry,
      'balance' in entry.target
        ? buildBalance(data)
        : buildObject(entry.target.list, entry.target.index, { data, lifecycle, nowSeconds: entry.created }),
    );
  const indexOrThrow = (list: ListName, id: string): number => {
    const index = data.indexOf(list, id);
    if (index === undefined) throw new Error(`the emulator has no ${list} ${id}`);
    return index;
  };
  const otherAccounts = new Map((options.otherAccounts ?? []).map((a) => [a.key, a]));
  const secretKeys = new Set([...(options.secretKeys ?? [EMULATOR_SECRET_KEY]), ...otherAccounts.keys()]);
  const restricted = new Map(
    (
      options.restrictedKeys ?? [
        { key: EMULATOR_RESTRICTED_KEY, balanceRead: true },
        { key: EMULATOR_NO_BALANCE_KEY, balanceRead: false },
      ]
    ).map((entry) => [entry.key, entry.balanceRead]),
  );
  const keys: KeyPolicy = { secretKeys, restricted, accountId: String(buildAccount(data, '').id) };
  const faults: { fault: StripeFault; remaining: number; pathPrefix: string | undefined }[] = [];
  const requestLog: LoggedRequest[] = [];
  let requestCounter = 0;
  const payments = new EmulatedPayments(
    () => clock.nowSeconds() * 1000,
    (key) => restricted.has(key),
    keys.accountId,
  );

  function route(req: IncomingMessage, url: URL, body: string): Reply {
    const path = url.pathname.replace(/\/+$/, '');
    if (/^\/v1\/(payment_links|payment_intents|checkout\/sessions)(\/|$)/.test(path)) {
      const key = authenticate(req.headers.authorization ?? '', path, keys);
      tick();
      const form = req.method === 'GET' ? url.searchParams : new URLSearchParams(body);
      const idempotency = req.headers['idempotency-key'];
      return payments.handle(
        req.method ?? 'GET',
        path,
        key,
        form,
        typeof idempotency === 'string' ? idempotency : undefined,
      )!;
    }
    if (req.method !== 'GET') {
      throw invalid(`Unrecognized request URL (${req.method}: ${path}). The emulator only reads.`, {}, 404);
    }
    const key = authenticate(req.headers.authorization ?? '', path, keys);
    const nowSeconds = tick();
    const objectCtx = { data, lifecycle, nowSeconds };
    if (path === '/v1/events') {
      const page = eventLog.list(parseEventQuery(url.searchParams, eventLog, nowSeconds), nowSeconds);
      return {
        status: 200,
        body: {
          object: 'list',
          data: page.entries.map(renderEvent),
          has_more: page.hasMore,
          url: '/v1/events',
        },
      };
    }
    const eventId = /^\/v1\/events\/([^/]+)$/.exec(path)?.[1];
    if (eventId !== undefined) {
      const entry = eventLog.find(decodeURIComponent(eventId), nowSeconds);
      if (!entry) {
        throw invalid(
          `No such event: '${eventId.slice(0, 60)}'`,
          { param: 'id', code: 'resource_missing' },
          404,
        );
      }
      return { status: 200, body: renderEvent(entry) };
    }
    if (path === '/v1/balance') return { status: 200, body: buildBalance(data) };
    if (path === '/v1/account') {
      const other = otherAccounts.get(key);
      if (other) return { status: 200, body: { ...buildAccount(data, other.name), id: other.id } };
      return { status: 200, body: buildAccount(data, options.accountName ?? 'Emulated Stripe') };
    }
    const match = /^\/v1\/([a-z_]+)(?:\/([^/]+))?$/.exec(path);
    const list = match?.[1];
    if (!match || !list || !LISTS.has(list)) {
      throw invalid(`Unrecognized request URL (GET: ${path}).`, {}, 404);
    }
    const name = list as ListName;
    if (match[2] !== undefined) {
      const id = decodeURIComponent(match[2]);
      const index = data.indexOf(name, id);
      if (index === undefined) {
        throw invalid(
          `No such ${OBJECT_NAME[name]}: '${id.slice(0, 60)}'`,
          { param: 'id', code: 'resource_missing' },
          404,
        );
      }
      return { status: 200, body: buildObject(name, index, objectCtx) };
    }
    const page = listPage(data, name, parseListQuery(data, name, url.searchParams));
    return {
      status: 200,
      body: {
        object: 'list',
        data: page.indices.map((index) => buildObject(name, index, objectCtx)),
        has_more: page.hasMore,
        url: `/v1/${name}`,
      },
    };
  }

  function takeFault(path: string): StripeFault | undefined {
    const entry = faults.find(
      (f) => f.remaining > 0 && (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)),
    );
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) faults.splice(faults.indexOf(entry), 1);
    return entry.fault;
  }

  function answer(req: IncomingMessage, res: ServerResponse, requestBody: string): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const log = (status: LoggedRequest['status']) =>
      requestLog.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        status,
      });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Request-Id': `req_emu${(++requestCounter).toString().padStart(10, '0')}`,
      'Stripe-Version': String(req.headers['stripe-version'] ?? '2023-08-16'),
    };
    const fault = takeFault(url.pathname);
    if (fault?.type === 'hang') return void log('hang');
    let reply: Reply;
    try {
      reply = route(req, url, requestBody);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reply = { status: error.status, body: { error: error.error } };
    }
    if (fault?.type === 'rate_limit') {
      reply = {
        status: 429,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Request rate limit exceeded.',
          },
        },
        headers: { 'Retry-After': String(fault.retryAfterSeconds ?? 1), 'Stripe-Should-Retry': 'true' },
      };
    } else if (fault?.type === 'expired_key') {
      reply = {
        status: 401,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'api_key_expired',
            message: 'Expired API Key provided: sk_test_****************KEY0',
          },
        },
      };
    } else if (fault?.type === 'server_error') {
      reply = {
        status: fault.status ?? 500,
        body: { error: { type: 'api_error', message: 'An unknown error occurred' } },
      };
    }
    let text = JSON.stringify(reply.body);
    if (fault?.type === 'malformed_json') text = text.slice(0, Math.floor(text.length / 2));
    const body = Buffer.from(text);
    res.writeHead(reply.status, { ...headers, ...reply.headers, 'Content-Length': String(body.length) });
    if (fault?.type === 'reset') {
      // Half the promised bytes, then a dead socket: what a dropped connection mid-page looks like.
      log('reset');
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    log(reply.status);
    res.end(body);
  }

  const server = createServer((req, res) => {
    // Read the whole body (a form for the few writes) before answering, which also keeps keep-alive healthy.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const control: StripeEmulatorControl = {
    clock,
    addObjects(count, addOptions) {
      const second = addOptions?.created ?? tick();
      const from = data.eventCount;
      const added = data.append(count, second);
      lifecycle.recordCreations(Array.from({ length: data.eventCount - from }, (_, i) => from + i));
      return added.map((index) => data.idOf('balance_transactions', index));
    },
    addPayout(payoutOptions = {}) {
      const index = lifecycle.createPayout(
        tick(),
        payoutOptions.outcome ?? 'paid',
        payoutOptions.settlesAfterSeconds ?? 2 * 86_400,
      );
      return data.idOf('payouts', index);
    },
    addRefund(refundOptions = {}) {
      const charge =
        refundOptions.charge === undefined ? undefined : indexOrThrow('charges', refundOptions.charge);
      const index = lifecycle.createRefund(
        tick(),
        charge,
        refundOptions.outcome ?? 'succeeded',
        refundOptions.settlesAfterSeconds ?? 86_400,
      );
      return data.idOf('refunds', index);
    },
    openDispute(disputeOptions = {}) {
      const charge =
        disputeOptions.charge === undefined ? undefined : indexOrThrow('charges', disputeOptions.charge);
      const index = lifecycle.openDispute(
        tick(),
        charge,
        disputeOptions.outcome ?? 'won',
        disputeOptions.decidedAfterSeconds ?? 10 * 86_400,
      );
      return data.idOf('disputes', index);
    },
    events() {
      return eventLog.all(tick()).map(renderEvent);
    },
    counts() {
      return {
        balance_transactions: data.count('balance_transactions'),
        charges: data.count('charges'),
        refunds: data.count('refunds'),
        payouts: data.count('payouts'),
        customers: data.count('customers'),
        disputes: data.count('disputes'),
      };
    },
    injectFault(fault, times = 1, pathPrefix) {
      faults.push({ fault, remaining: times, pathPrefix });
    },
    clearFaults() {
      faults.length = 0;
    },
    sendWebhooksTo(target) {
      payments.webhook = target;
    },
    payLink: (linkId, payOptions) => payments.pay(linkId, payOptions),
    paymentLink: (linkId) => payments.link(linkId),
    paymentLinkCount: () => payments.linkCount(),
    requestLog,
    clearLog() {
      requestLog.length = 0;
    },
    data,
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    secretKey: [...secretKeys][0] ?? EMULATOR_SECRET_KEY,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
