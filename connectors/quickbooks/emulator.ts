/**
 * A local HTTP server speaking QuickBooks Online's wire format for what finsync uses: Intuit's OAuth 2.0
 * consent and token endpoints (emulator-oauth.ts), and the v3 accounting API (query, CDC, CompanyInfo,
 * Preferences) over deterministic per-company data (emulator-data.ts), with Intuit's limits (10 concurrent
 * requests and 500 per minute per company, beyond which it answers 429) and injectable faults.
 * Shared by the tests and the sandbox.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EntityInput, type EntityName, RealmData, type RealmSpec } from './emulator-data.ts';
import { entityJson } from './emulator-entities.ts';
import { type QuickBooksFault, RequestGate } from './emulator-limits.ts';
import { OAuthServer, type TokenResponse } from './emulator-oauth.ts';
import { routeApi } from './emulator-query.ts';
import { type Reply, ReplyError, systemFault, throttleFault } from './emulator-wire.ts';

export const EMULATOR_CLIENT_ID = 'ABfinsyncEmulatorClientId0000000000000000000000';
export const EMULATOR_CLIENT_SECRET = 'finsyncEmulatorClientSecret000000000000';

/** A single-currency company and a multi-currency one (home USD, customers billed in JPY, KWD and EUR). */
export const DEFAULT_REALMS: readonly RealmSpec[] = [
  { realmId: '9341453050298464', companyName: 'Emulated Books Inc.', homeCurrency: 'USD' },
  {
    realmId: '9341453050298465',
    companyName: 'Emulated Global Trading',
    homeCurrency: 'USD',
    currencies: ['USD', 'JPY', 'KWD', 'EUR'],
    customers: 4,
    invoices: 12,
    payments: 4,
  },
];

export interface QuickBooksEmulatorOptions {
  readonly port?: number;
  readonly realms?: readonly RealmSpec[];
  /** The emulator's clock in ms: token expiry, LastUpdatedTime of changes, the CDC window, rate windows. */
  readonly now?: () => number;
  /** When the generated data begins (ms); default 2024-01-01T00:00:00Z. */
  readonly startTime?: number;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** How long a replaced refresh token keeps working (emulator-oauth.ts); default 24 h, 0 = strict. */
  readonly refreshGraceMs?: number;
  readonly accessTtlSeconds?: number;
  /** Holds every API answer this long, so that concurrent requests overlap. */
  readonly latencyMs?: number;
  readonly maxConcurrent?: number;
  readonly maxPerMinute?: number;
}

export type { QuickBooksFault } from './emulator-limits.ts';

export interface LoggedRequest {
  readonly seq: number;
  readonly at: number;
  readonly kind: 'api' | 'token' | 'authorize' | 'revoke';
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly realmId: string | null;
  /** The bearer token an API call presented, or the refresh token a refresh grant presented. */
  readonly token: string | null;
  readonly grantType: string | null;
  status: number | 'hang';
}

export interface QuickBooksEmulatorControl {
  readonly realmIds: readonly string[];
  realm(realmId?: string): RealmData;
  /** What the next consents answer: which company the person picks, or a refusal (error=access_denied). */
  setConsent(consent: { readonly realmId?: string; readonly deny?: boolean }): void;
  /** A token pair as if the person had just connected `realmId`. */
  issueTokens(realmId?: string): TokenResponse;
  latestRefreshToken(realmId?: string): string | undefined;
  revokeRefreshTokens(realmId?: string): void;
  expireAccessTokens(realmId?: string): void;
  readonly staleRefreshUses: number;
  readonly tokenGrants: { readonly authorization_code: number; readonly refresh_token: number };
  /** The next `times` requests whose path starts with `pathPrefix` (default: the v3 API) fail this way. */
  failNext(times: number, fault: QuickBooksFault, pathPrefix?: string): void;
  clearFaults(): void;
  create(entity: EntityName, input?: EntityInput): Record<string, unknown>;
  update(entity: EntityName, id: string, input: EntityInput): Record<string, unknown>;
  delete(entity: EntityName, id: string, realmId?: string): void;
  /** The live entities of a company, as the API would show them. */
  entities(entity: EntityName, realmId?: string): Record<string, unknown>[];
  /** Most API requests in flight at once for a company (rejected ones included). */
  peakConcurrency(realmId?: string): number;
  /** Holds every API answer until the returned function is called: concurrency made deterministic. */
  holdAnswers(): () => void;
  readonly requestLog: readonly LoggedRequest[];
  clearLog(): void;
  /** Calls `listener` as each request arrives; returns an unsubscribe function. */
  onRequest(listener: (entry: LoggedRequest) => void): () => void;
}

export interface QuickBooksEmulator {
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly control: QuickBooksEmulatorControl;
  close(): Promise<void>;
}

export async function startQuickBooksEmulator(
  options: QuickBooksEmulatorOptions = {},
): Promise<QuickBooksEmulator> {
  const now = options.now ?? Date.now;
  const startTime = options.startTime ?? Date.UTC(2024, 0, 1);
  const specs = options.realms ?? DEFAULT_REALMS;
  const realms = new Map(specs.map((spec) => [spec.realmId, new RealmData(spec, startTime, now)]));
  const realmIds = [...realms.keys()];
  const clientId = options.clientId ?? EMULATOR_CLIENT_ID;
  const clientSecret = options.clientSecret ?? EMULATOR_CLIENT_SECRET;
  const oauth = new OAuthServer(
    {
      clientId,
      clientSecret,
      ...(options.refreshGraceMs === undefined ? {} : { refreshGraceMs: options.refreshGraceMs }),
      ...(options.accessTtlSeconds === undefined ? {} : { accessTtlSeconds: options.accessTtlSeconds }),
    },
    now,
    realmIds,
  );
  const gate = new RequestGate(now, options.maxConcurrent ?? 10, options.maxPerMinute ?? 500);
  const requestLog: LoggedRequest[] = [];
  let hold: { promise: Promise<void>; release: () => void } | null = null;
  const listeners = new Set<(entry: LoggedRequest) => void>();
  let seq = 0;

  const realmOf = (realmId?: string): RealmData => {
    const realm = realms.get(realmId ?? realmIds[0]!);
    if (!realm) throw new Error(`no emulated company ${realmId}`);
    return realm;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname.replace(/\/+$/, '');
    const match = /^\/v3\/company\/([^/]+)\/(.+)$/.exec(path);
    const form = new URLSearchParams(body);
    const kind: LoggedRequest['kind'] = match
      ? 'api'
      : path.endsWith('/bearer')
        ? 'token'
        : path.endsWith('/revoke')
          ? 'revoke'
          : 'authorize';
    const entry: LoggedRequest = {
      seq: ++seq,
      at: now(),
      kind,
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      realmId: match?.[1] ?? null,
      token:
        kind === 'api'
          ? (/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null)
          : form.get('refresh_token'),
      grantType: form.get('grant_type'),
      status: 200,
    };
    requestLog.push(entry);
    for (const listener of listeners) listener(entry);

    const realmId = match?.[1];
    const limited = realmId ? gate.admit(realmId) : undefined;
    const done = () => {
      if (realmId) gate.finish(realmId);
    };
    const fault = limited ? undefined : gate.takeFault(path);
    if (fault === 'hang') {
      entry.status = 'hang';
      res.on('close', done);
      return;
    }
    let reply: Reply;
    try {
      if (limited) reply = limited;
      else if (fault === '429') reply = throttleFault(now());
      else if (fault === '500') reply = systemFault(now());
      else if (match) {
        const realm = realms.get(match[1]!);
        reply = routeApi({
          realm,
          realmId: match[1]!,
          rest: match[2]!.toLowerCase(),
          req,
          url,
          oauth,
          now: now(),
          startTime,
        });
      } else if (kind === 'token' && req.method === 'POST')
        reply = oauth.token(req.headers.authorization, form);
      else if (kind === 'revoke' && req.method === 'POST') {
        reply = oauth.revoke(req.headers.authorization, form.get('token') ?? '');
      } else if (path === '/oauth2/authorize' && req.method === 'GET')
        reply = oauth.authorize(url.searchParams);
      else reply = { status: 404, body: { error: 'not_found' } };
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      reply = error.reply;
    }
    if (match && options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    if (match && hold) await hold.promise;
    entry.status = reply.status;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8';
    res.writeHead(reply.status, {
      'Content-Type': type,
      intuit_tid: `1-emu-${entry.seq}`,
      ...reply.headers,
      'Content-Length': String(Buffer.byteLength(text)),
    });
    // Counted out as the answer is written: the client may send its next request before the flush completes.
    done();
    res.end(text);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`emulator error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const control: QuickBooksEmulatorControl = {
    realmIds,
    realm: realmOf,
    setConsent(consent) {
      oauth.consent = { realmId: consent.realmId ?? realmIds[0]!, deny: consent.deny ?? false };
    },
    issueTokens: (realmId) => oauth.issue(realmOf(realmId).spec.realmId),
    latestRefreshToken: (realmId) => oauth.latestRefreshToken(realmOf(realmId).spec.realmId),
    revokeRefreshTokens: (realmId) => oauth.revokeRefreshTokens(realmId),
    expireAccessTokens: (realmId) => oauth.expireAccessTokens(realmId),
    get staleRefreshUses() {
      return oauth.staleRefreshUses;
    },
    get tokenGrants() {
      return { ...oauth.grants };
    },
    failNext: (times, fault, pathPrefix = '/v3/') => gate.failNext(times, fault, pathPrefix),
    clearFaults: () => gate.clearFaults(),
    create(entity, input = {}) {
      const realm = realmOf(input.realmId);
      return entityJson(realm, entity, realm.create(entity, input));
    },
    update(entity, id, input) {
      const realm = realmOf(input.realmId);
      return entityJson(realm, entity, realm.update(entity, id, input));
    },
    delete(entity, id, realmId) {
      realmOf(realmId).delete(entity, id);
    },
    entities(entity, realmId) {
      const realm = realmOf(realmId);
      return realm.list(entity).map((state) => entityJson(realm, entity, state));
    },
    peakConcurrency: (realmId) => gate.peak(realmOf(realmId).spec.realmId),
    holdAnswers() {
      let release = () => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      const current = { promise, release };
      hold = current;
      return () => {
        if (hold === current) hold = null;
        current.release();
      };
    },
    requestLog,
    clearLog() {
      requestLog.length = 0;
    },
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    clientId,
    clientSecret,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
