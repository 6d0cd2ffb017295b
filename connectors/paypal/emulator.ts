/**
 * A local HTTP server (127.0.0.1) speaking PayPal's wire format for what finsync uses: the OAuth token
 * endpoint (emulator-oauth.ts), Transaction Search and balances (emulator-search.ts) over one account's rows
 * (emulator-data.ts), and webhook deliveries with their verification (emulator-webhook.ts). Controls let the
 * tests and the sandbox add rows (late ones too), change statuses, revoke the app, withdraw its Transaction
 * Search permission, shrink the result-set limit and make the next calls fail (a 429 with Retry-After, 5xx…).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateRows,
  PayPalLedger,
  type RowInput,
  type StatusCode,
  type StoredRow,
} from './emulator-data.ts';
import { type EmulatedApp, TokenServer } from './emulator-oauth.ts';
import { listBalances, searchTransactions } from './emulator-search.ts';
import { type SignedDelivery, WebhookSigner } from './emulator-webhook.ts';
import { type Reply, readBody, restError, sendReply } from './emulator-wire.ts';

export const EMULATOR_CLIENT_ID =
  'AfinsyncEmulatorClientId000000000000000000000000000000000000000000000000000000';
export const EMULATOR_CLIENT_SECRET =
  'EfinsyncEmulatorSecret00000000000000000000000000000000000000000000000000000000';
export const EMULATOR_APP_ID = 'APP-80W284485P519543T';
export const EMULATOR_ACCOUNT_ID = 'F5SYNCEMUL7QK';
export const EMULATOR_WEBHOOK_ID = '8PT597110X687430LKGECATA';

export interface PayPalEmulatorOptions {
  readonly port?: number;
  /** The emulator's clock (ms): row visibility, token expiry, `transaction_updated_date` of changes. */
  readonly now?: () => number;
  /** How many rows to generate (default 30), spread over [startTime, startTime + spanMs). */
  readonly count?: number;
  /** Default: ten days before the clock's now at start. */
  readonly startTime?: number;
  /** Default: nine days. */
  readonly spanMs?: number;
  /** Rows beyond which a search answers RESULTSET_TOO_LARGE (PayPal: 10,000). */
  readonly resultSetLimit?: number;
  readonly accessTtlSeconds?: number;
}

/** A fault for the next API calls: an HTTP status and PayPal error name, optionally with Retry-After. */
export interface PayPalFault {
  readonly status: number;
  readonly name: string;
  readonly retryAfterSeconds?: number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  status: number;
}

export interface PayPalEmulatorControl {
  readonly app: EmulatedApp;
  readonly accountId: string;
  readonly webhookId: string;
  readonly ledger: PayPalLedger;
  addRow(row: RowInput): StoredRow;
  addRows(rows: readonly RowInput[]): StoredRow[];
  /** Changes the status of the rows of a transaction id (or only its balance-affecting/other one). */
  setStatus(transactionId: string, status: StatusCode, balanceAffecting?: boolean): number;
  /** The next `times` reporting or verification calls answer `fault` (the token endpoint is spared). */
  failNext(fault: PayPalFault, times?: number): void;
  setResultSetLimit(limit: number): void;
  /** The app's credentials stop working (`invalid_client`), or work again. */
  revoke(): void;
  restore(): void;
  /** Withdraws or grants the app's Transaction Search permission (403 NOT_AUTHORIZED without it). */
  setTransactionSearch(enabled: boolean): void;
  /** Every access token issued so far stops working (401 AUTHENTICATION_FAILURE), as after an early revocation. */
  expireTokens(): void;
  /** A delivery PayPal would send for `event` to `webhookId` (default: the emulator's webhook). */
  signWebhook(event: Record<string, unknown>, webhookId?: string): SignedDelivery;
  readonly requests: readonly LoggedRequest[];
  readonly tokenGrants: number;
  readonly verifications: number;
  resetLog(): void;
}

export interface PayPalEmulator {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly control: PayPalEmulatorControl;
  close(): Promise<void>;
}

export async function startPayPalEmulator(options: PayPalEmulatorOptions = {}): Promise<PayPalEmulator> {
  const now = options.now ?? Date.now;
  const ledger = new PayPalLedger();
  const startTime = options.startTime ?? now() - 10 * 86_400_000;
  const spanMs = options.spanMs ?? 9 * 86_400_000;
  for (const row of generateRows(options.count ?? 30, startTime, spanMs)) ledger.add(row, now());
  const app: EmulatedApp = {
    clientId: EMULATOR_CLIENT_ID,
    clientSecret: EMULATOR_CLIENT_SECRET,
    appId: EMULATOR_APP_ID,
    revoked: false,
    transactionSearch: true,
  };
  const tokens = new TokenServer(app, options.accessTtlSeconds ?? 32_400, now);
  let resultSetLimit = options.resultSetLimit ?? 10_000;
  const faults: PayPalFault[] = [];
  const requests: LoggedRequest[] = [];
  let url = '';
  const signer = new WebhookSigner('https://api.paypal.com');

  async function route(req: IncomingMessage, parsed: URL): Promise<Reply> {
    const path = parsed.pathname;
    if (req.method === 'POST' && path === '/v1/oauth2/token') {
      return tokens.token(req.headers.authorization, await readBody(req));
    }
    const known =
      (req.method === 'GET' &&
        (path === '/v1/reporting/transactions' || path === '/v1/reporting/balances')) ||
      (req.method === 'POST' && path === '/v1/notifications/verify-webhook-signature');
    if (!known) return restError(404, 'RESOURCE_NOT_FOUND');
    const refused = tokens.check(req.headers.authorization, path.startsWith('/v1/reporting/'));
    if (refused) return refused;
    const fault = faults.shift();
    if (fault) {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      return restError(fault.status, fault.name, [], headers);
    }
    const ctx = { ledger, accountId: EMULATOR_ACCOUNT_ID, now: now(), resultSetLimit };
    if (path === '/v1/reporting/transactions') return searchTransactions(parsed.searchParams, ctx);
    if (path === '/v1/reporting/balances') return listBalances(ctx);
    return signer.verify(await readBody(req));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      status: 0,
    };
    requests.push(entry);
    if (requests.length > 10_000) requests.splice(0, requests.length - 10_000);
    route(req, parsed)
      .then((reply) => {
        entry.status = reply.status;
        sendReply(res, reply);
      })
      .catch((error: unknown) => {
        entry.status = 500;
        sendReply(res, restError(500, 'INTERNAL_SERVER_ERROR', [{ issue: String(error).slice(0, 200) }]));
      });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const control: PayPalEmulatorControl = {
    app,
    accountId: EMULATOR_ACCOUNT_ID,
    webhookId: EMULATOR_WEBHOOK_ID,
    ledger,
    addRow: (row) => ledger.add(row, now()),
    addRows: (rows) => rows.map((row) => ledger.add(row, now())),
    setStatus: (transactionId, status, balanceAffecting) =>
      ledger.setStatus(transactionId, status, now(), balanceAffecting),
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    setResultSetLimit(limit) {
      resultSetLimit = limit;
    },
    revoke() {
      app.revoked = true;
    },
    restore() {
      app.revoked = false;
    },
    setTransactionSearch(enabled) {
      app.transactionSearch = enabled;
    },
    expireTokens: () => tokens.expireAll(),
    signWebhook: (event, webhookId = EMULATOR_WEBHOOK_ID) => signer.sign(event, webhookId, now()),
    get requests() {
      return requests;
    },
    get tokenGrants() {
      return tokens.grants;
    },
    get verifications() {
      return signer.verifications;
    },
    resetLog() {
      requests.length = 0;
    },
  };

  return {
    url,
    clientId: EMULATOR_CLIENT_ID,
    clientSecret: EMULATOR_CLIENT_SECRET,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
