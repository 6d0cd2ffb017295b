/**
 * A local HTTP server (127.0.0.1) speaking Sage Business Cloud Accounting's wire format for what finsync uses:
 * the consent page and token endpoint (emulator-oauth.ts: rotating single-use refresh tokens, short-lived
 * access tokens), and the v3.1 API (emulator-api.ts) over deterministic businesses (emulator-data.ts), with
 * injectable faults (429 with Retry-After, 5xx) answered with Sage's error array. Shared by the tests, the
 * sandbox and the bench.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeApi } from './emulator-api.ts';
import { BusinessData, type BusinessSpec } from './emulator-data.ts';
import { SageOAuthServer, type SageTokenResponse } from './emulator-oauth.ts';
import { encodeJson, type Reply, sageError } from './emulator-wire.ts';

export const EMULATOR_CLIENT_ID = 'finsync-sage-emulator-client';
export const EMULATOR_CLIENT_SECRET = 'finsyncSageEmulatorSecret0000000000';

export const DEFAULT_BUSINESSES: readonly BusinessSpec[] = [
  { id: '0d40342d0287cd6b13555c54afca6c90', name: 'Emulated Sage Ltd', baseCurrency: 'GBP' },
  { id: '7e61a0f1b2c34d5e8f90a1b2c3d4e5f6', name: 'Emulated Sage Europe', baseCurrency: 'EUR', payments: 8 },
];

/** Users and the businesses each reaches, lead first. */
export const DEFAULT_USERS: Readonly<Record<string, readonly string[]>> = {
  'user-single': ['0d40342d0287cd6b13555c54afca6c90'],
  'user-multi': ['7e61a0f1b2c34d5e8f90a1b2c3d4e5f6', '0d40342d0287cd6b13555c54afca6c90'],
  // Reaches only the European business: a reconnect of the other one with it is refused.
  'user-europe': ['7e61a0f1b2c34d5e8f90a1b2c3d4e5f6'],
};

export interface SageEmulatorOptions {
  readonly port?: number;
  readonly businesses?: readonly BusinessSpec[];
  readonly users?: Readonly<Record<string, readonly string[]>>;
  /** Who consents by default. */
  readonly consentUser?: string;
  readonly now?: () => number;
  /** When the generated data begins (ms); default midnight UTC 29 days ago, so the last 30 days hold activity. */
  readonly startTime?: number;
  readonly accessTtlSeconds?: number;
}

export interface SageFault {
  readonly status: number;
  readonly times?: number;
  /** Which requests fail: API calls (the default) or `POST /revoke`. */
  readonly on?: 'api' | 'revoke';
  /** Seconds, for a 429's Retry-After. */
  readonly retryAfter?: number;
}

export interface SageLoggedRequest {
  readonly kind: 'api' | 'token' | 'authorize' | 'revoke';
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly business: string | null;
  /** The bearer token an API call presented, or the refresh token a refresh grant presented. */
  readonly token: string | null;
  readonly grantType: string | null;
  readonly status: number;
}

export interface SageEmulatorControl {
  readonly businessIds: readonly string[];
  business(id?: string): BusinessData;
  setConsent(consent: { readonly user?: string; readonly deny?: boolean }): void;
  issueTokens(user?: string): SageTokenResponse;
  latestRefreshToken(user?: string): string | undefined;
  revokeAll(): void;
  expireAccessTokens(): void;
  readonly tokenGrants: { readonly authorization_code: number; readonly refresh_token: number };
  readonly replayedRefreshes: number;
  /** Successful `POST /revoke` calls. */
  readonly revocations: number;
  /** The next `times` API (or revoke) requests fail this way. */
  failNext(fault: SageFault): void;
  readonly requests: readonly SageLoggedRequest[];
  clearRequests(): void;
}

export interface SageEmulator {
  readonly url: string;
  /** SAGE_API_BASE for this emulator. */
  readonly apiBase: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly control: SageEmulatorControl;
  close(): Promise<void>;
}

export async function startSageEmulator(options: SageEmulatorOptions = {}): Promise<SageEmulator> {
  const now = options.now ?? Date.now;
  const startTime = options.startTime ?? Math.floor(now() / 86_400_000) * 86_400_000 - 29 * 86_400_000;
  const businesses = new Map(
    (options.businesses ?? DEFAULT_BUSINESSES).map((spec) => [
      spec.id,
      new BusinessData(spec, now, startTime),
    ]),
  );
  const users = options.users ?? DEFAULT_USERS;
  const oauth = new SageOAuthServer(
    {
      clientId: EMULATOR_CLIENT_ID,
      clientSecret: EMULATOR_CLIENT_SECRET,
      ...(options.accessTtlSeconds ? { accessTtlSeconds: options.accessTtlSeconds } : {}),
    },
    now,
    options.consentUser ?? Object.keys(users)[0] ?? 'user-single',
  );
  const faults: { status: number; left: number; retryAfter?: number }[] = [];
  const revokeFaults: { status: number; left: number }[] = [];
  const requests: SageLoggedRequest[] = [];
  const world = {
    businessesOf: (user: string) => (users[user] ?? []).flatMap((id) => businesses.get(id) ?? []),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, sageError(500, 'InternalServerError', 'emulator failure'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const log = (entry: Omit<SageLoggedRequest, 'path' | 'query'>) =>
      requests.length < 100_000 && requests.push({ ...entry, path: url.pathname, query });
    if (req.method === 'GET' && url.pathname === '/oauth2/auth/central') {
      const reply = oauth.authorize(url.searchParams);
      log({ kind: 'authorize', business: null, token: null, grantType: null, status: reply.status });
      return send(res, reply);
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(await readBody(req));
      const reply = oauth.token(form);
      const grantType = form.get('grant_type');
      log({
        kind: 'token',
        business: null,
        token: form.get('refresh_token'),
        grantType,
        status: reply.status,
      });
      return send(res, reply);
    }
    if (req.method === 'POST' && url.pathname === '/revoke') {
      const form = new URLSearchParams(await readBody(req));
      const fault = revokeFaults[0];
      if (fault && --fault.left <= 0) revokeFaults.shift();
      const reply: Reply = fault
        ? { status: fault.status, body: { error: 'server_error', error_description: 'emulator failure' } }
        : oauth.revoke(form);
      log({
        kind: 'revoke',
        business: null,
        token: form.get('token'),
        grantType: null,
        status: reply.status,
      });
      return send(res, reply);
    }
    if (req.method !== 'GET' || !url.pathname.startsWith('/v3.1/'))
      return send(res, sageError(404, 'RecordNotFound', 'Not found'));
    const business = header(req, 'x-business') ?? null;
    const token = /^Bearer (.+)$/i.exec(header(req, 'authorization') ?? '')?.[1] ?? null;
    const reply = api(req, url, business);
    log({ kind: 'api', business, token, grantType: null, status: reply.status });
    send(res, reply);
  }

  function api(req: IncomingMessage, url: URL, business: string | null): Reply {
    const fault = faults[0];
    if (fault) {
      if (--fault.left <= 0) faults.shift();
      const reply =
        fault.status === 429
          ? sageError(429, 'TooManyRequests', 'Rate limit exceeded, please retry later.')
          : sageError(fault.status, 'InternalServerError', 'Something went wrong.');
      return fault.retryAfter === undefined
        ? reply
        : { ...reply, headers: { 'Retry-After': String(fault.retryAfter) } };
    }
    const access = oauth.access(header(req, 'authorization'));
    if (access === 'missing' || access === 'expired')
      return sageError(401, 'AuthorizationFailure', 'The access token is invalid or has expired.');
    return routeApi(world, {
      path: url.pathname,
      query: url.searchParams,
      user: access.user,
      businessHeader: business ?? undefined,
    });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const control: SageEmulatorControl = {
    businessIds: [...businesses.keys()],
    business: (id) => {
      const found = businesses.get(id ?? [...businesses.keys()][0]!);
      if (!found) throw new Error(`no business ${id}`);
      return found;
    },
    setConsent: (consent) => {
      oauth.consent = { user: consent.user ?? oauth.consent.user, deny: consent.deny ?? false };
    },
    issueTokens: (user) => oauth.issue(user ?? oauth.consent.user),
    latestRefreshToken: (user) => oauth.latestRefreshToken(user),
    revokeAll: () => oauth.revokeAll(),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    get tokenGrants() {
      return { ...oauth.grants };
    },
    get replayedRefreshes() {
      return oauth.replayedRefreshes;
    },
    get revocations() {
      return oauth.revocations;
    },
    failNext: (fault) =>
      fault.on === 'revoke'
        ? revokeFaults.push({ status: fault.status, left: fault.times ?? 1 })
        : faults.push({
            status: fault.status,
            left: fault.times ?? 1,
            ...(fault.retryAfter === undefined ? {} : { retryAfter: fault.retryAfter }),
          }),
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
  };
  return {
    url: base,
    apiBase: `${base}/v3.1`,
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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const isText = typeof reply.body === 'string';
  const body = isText ? (reply.body as string) : encodeJson(reply.body);
  res.writeHead(reply.status, {
    'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...reply.headers,
  });
  res.end(body);
}
