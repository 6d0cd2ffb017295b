/**
 * A local HTTP server speaking Plaid's wire format (POST JSON, Plaid's error bodies and statuses), shared by the
 * sandbox and the tests. `control` changes its data and injects faults the way the real API misbehaves.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Products, type Transaction } from 'plaid';
import { isLinkPath, serveLink } from './emulator-link.ts';
import { type RequestBody, ROUTES } from './emulator-routes.ts';
import { EmulatorState, PlaidApiError, type Posting, type TransactionPatch } from './emulator-state.ts';
import { createWebhookSigner } from './emulator-webhook.ts';
import { transactionWire } from './emulator-wire.ts';

export type { Posting, TransactionPatch } from './emulator-state.ts';

export type PlaidFault = 'rate_limit' | 'server_error' | 'hang';

export interface PlaidEmulatorOptions {
  /** The developer keys the emulator accepts. */
  readonly clientId?: string;
  readonly secret?: string;
  /** Transactions generated for each new item (the first 18 are fixed tricky amounts). Default 60. */
  readonly transactionsPerItem?: number;
  /** The emulator's "today" (YYYY-MM-DD): generated dates count back from it, so data is deterministic. */
  readonly today?: string;
  readonly seed?: number;
}

export interface RequestLogEntry {
  readonly path: string;
  /** The request body with `secret` masked. */
  body: RequestBody;
  status: number;
}

export interface PlaidEmulatorControl {
  readonly clientId: string;
  readonly secret: string;
  readonly requestLog: RequestLogEntry[];
  readonly webhookKeyId: string;
  /** Creates an item without the public-token dance. */
  createItem(institutionId?: string): { readonly itemId: string; readonly accessToken: string };
  /** The item's transactions as they are now (default: the newest item). */
  transactions(itemId?: string): Transaction[];
  addTransactions(count: number, options?: { readonly itemId?: string }): Transaction[];
  /** Default change: " (amended)" appended to the name. */
  modifyTransactions(ids: readonly string[], patch?: TransactionPatch): Transaction[];
  removeTransactions(ids: readonly string[]): void;
  /**
   * Pending transactions post, as Plaid reports it: each is removed and a posted one with a new id is added,
   * carrying `pending_transaction_id` (and, when given, another amount: a tip, a released hold).
   */
  postPendingTransactions(ids: readonly string[], posting?: Posting): Transaction[];
  /**
   * The next page request inside a pagination set changes the data first (`change`, or one new
   * transaction), so it answers MUTATION_DURING_PAGINATION: a mid-set change placed exactly, whatever the
   * client's timing.
   */
  mutateDuringPagination(change?: () => void): void;
  /** The next `count` requests (to `path`, when given) answer 429, 500, or never. */
  failNext(count: number, fault: PlaidFault, path?: string): void;
  /**
   * Answers to `path` after the first `skip` wait until the returned function is called: a client is caught
   * between two pages (e.g. inside a /transactions/sync pagination set) for as long as a test needs.
   */
  holdAnswers(path: string, skip?: number): () => void;
  /** Puts the item in ITEM_LOGIN_REQUIRED (default: the newest item). */
  resetLogin(itemId?: string): void;
  /**
   * What the person does in Plaid Link opened with an update-mode link token (made with the item's
   * `access_token`): logs in again, which clears the item's error; Link's onSuccess then hands over a public
   * token of the same item (Plaid: it need not be exchanged, the access token stays valid).
   */
  completeUpdateMode(linkToken: string): { readonly publicToken: string; readonly itemId: string };
  /** A `Plaid-Verification` header value for this exact raw body. */
  signWebhook(body: string, options?: { readonly iat?: number }): string;
}

export interface PlaidEmulator {
  readonly url: string;
  readonly port: number;
  /** The developer keys it accepts (PLAID_CLIENT_ID, PLAID_SECRET for the app under test). */
  readonly clientId: string;
  readonly secret: string;
  readonly control: PlaidEmulatorControl;
  close(): Promise<void>;
}

const RATE_LIMIT_CODES: Readonly<Record<string, string>> = {
  '/accounts/get': 'ACCOUNTS_LIMIT',
  '/accounts/balance/get': 'BALANCE_LIMIT',
  '/transactions/sync': 'TRANSACTIONS_SYNC_LIMIT',
  '/item/get': 'ITEM_GET_LIMIT',
  '/institutions/get_by_id': 'INSTITUTIONS_GET_BY_ID_LIMIT',
};
const MAX_BODY_BYTES = 1_000_000;

interface PendingFault {
  readonly fault: PlaidFault;
  readonly path: string | undefined;
  remaining: number;
}

export async function startPlaidEmulator(options: PlaidEmulatorOptions = {}): Promise<PlaidEmulator> {
  const clientId = options.clientId ?? 'emulator-client-id';
  const secret = options.secret ?? 'emulator-secret';
  const state = new EmulatorState({
    transactionsPerItem: options.transactionsPerItem ?? 60,
    today: options.today ?? '2026-01-31',
    seed: options.seed ?? 1,
  });
  const signer = createWebhookSigner();
  const requestLog: RequestLogEntry[] = [];
  const faults: PendingFault[] = [];
  let requests = 0;
  /** Requests to `path` after the first `skip` wait for `release` (tests catch a client mid-pagination). */
  let hold: { path: string; skip: number; released: Promise<void> } | null = null;

  const takeFault = (path: string): PlaidFault | undefined => {
    const index = faults.findIndex((f) => f.path === undefined || f.path === path);
    if (index < 0) return undefined;
    const pending = faults[index]!;
    pending.remaining -= 1;
    if (pending.remaining <= 0) faults.splice(index, 1);
    return pending.fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = `emu${String(++requests).padStart(12, '0')}`;
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    // Link's browser side (a person's browser, not an API client): no developer keys, no faults, not logged.
    if (isLinkPath(path)) return serveLink(req, res, state);
    const entry: RequestLogEntry = { path, body: {}, status: 0 };
    requestLog.push(entry);
    if (hold?.path === path && hold.skip-- <= 0) await hold.released;
    const reply = (status: number, payload: object) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...payload, request_id: requestId }));
    };
    const fail = (e: PlaidApiError) =>
      reply(e.status, {
        error_type: e.errorType,
        error_code: e.errorCode,
        error_message: e.message,
        display_message: e.displayMessage,
      });

    const body = parseBody(await readBody(req));
    if (!body)
      return fail(
        new PlaidApiError(400, 'INVALID_REQUEST', 'INVALID_BODY', 'body could not be parsed as JSON'),
      );
    entry.body = body['secret'] === undefined ? body : { ...body, secret: '[masked]' };

    const route = req.method === 'POST' ? ROUTES[path] : undefined;
    if (!route)
      return fail(new PlaidApiError(404, 'INVALID_REQUEST', 'NOT_FOUND', `unknown endpoint ${path}`));

    const fault = takeFault(path);
    if (fault === 'hang') return; // never answered; close() drops the socket
    if (fault === 'rate_limit') {
      const code = RATE_LIMIT_CODES[path] ?? 'RATE_LIMIT';
      return fail(
        new PlaidApiError(
          429,
          'RATE_LIMIT_EXCEEDED',
          code,
          'rate limit exceeded for attempts to access this item. please try again later',
        ),
      );
    }
    if (fault === 'server_error') {
      return fail(
        new PlaidApiError(
          500,
          'API_ERROR',
          'INTERNAL_SERVER_ERROR',
          'an unexpected error occurred',
          'Internal error occurred. Please try again later.',
        ),
      );
    }

    const givenId = stringOr(body['client_id'], req.headers['plaid-client-id']);
    const givenSecret = stringOr(body['secret'], req.headers['plaid-secret']);
    if (!givenId || !givenSecret) {
      const missing = [!givenId && 'client_id', !givenSecret && 'secret'].filter(Boolean).join(', ');
      return fail(
        new PlaidApiError(
          400,
          'INVALID_REQUEST',
          'MISSING_FIELDS',
          `the following required fields are missing: ${missing}`,
        ),
      );
    }
    if (givenId !== clientId || givenSecret !== secret) {
      return fail(
        new PlaidApiError(400, 'INVALID_INPUT', 'INVALID_API_KEYS', 'invalid client_id or secret provided'),
      );
    }

    try {
      reply(200, route(body, state, signer));
    } catch (error) {
      if (error instanceof PlaidApiError) return fail(error);
      fail(new PlaidApiError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred'));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const control: PlaidEmulatorControl = {
    clientId,
    secret,
    requestLog,
    webhookKeyId: signer.kid,
    createItem(institutionId = 'ins_109508') {
      const item = state.createItem(institutionId, [Products.Transactions], null);
      return { itemId: item.itemId, accessToken: item.accessToken };
    },
    transactions: (itemId) => [...state.current(state.itemOf(itemId)).values()].map(transactionWire),
    addTransactions: (count, opts) => state.add(state.itemOf(opts?.itemId), count).map(transactionWire),
    modifyTransactions: (ids, patch) => state.modify(ids, patch).map(transactionWire),
    removeTransactions: (ids) => state.remove(ids),
    postPendingTransactions: (ids, posting) => state.post(ids, posting).map(transactionWire),
    mutateDuringPagination: (change) => state.armMutation(change),
    failNext(count, fault, path) {
      if (count > 0) faults.push({ fault, path, remaining: count });
    },
    holdAnswers(path, skip = 0) {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const current = { path, skip, released };
      hold = current;
      return () => {
        if (hold === current) hold = null;
        release();
      };
    },
    resetLogin(itemId) {
      state.itemOf(itemId).error = 'ITEM_LOGIN_REQUIRED';
    },
    completeUpdateMode(linkToken) {
      const itemId = state.updateModeTokens.get(linkToken);
      if (itemId === undefined) throw new Error(`no update-mode link token ${linkToken}`);
      const item = state.itemOf(itemId);
      item.error = null;
      return { publicToken: state.createPublicToken(item), itemId };
    },
    signWebhook: (body, opts) => signer.sign(body, opts),
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    clientId,
    secret,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hung requests and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string | undefined): RequestBody | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as RequestBody)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringOr(fromBody: unknown, fromHeader: string | string[] | undefined): string | undefined {
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  return typeof fromHeader === 'string' && fromHeader !== '' ? fromHeader : undefined;
}
