/**
 * A local HTTP server speaking the Microsoft identity platform's client-credentials token endpoint and the
 * Power BI REST push-dataset endpoints (shapes per ../shared/specs/powerbi), enforcing Microsoft's push
 * limits (emulator-limits.ts) on an injectable clock, with fault injection. Shared by tests and the sandbox.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { executeQueries } from './emulator-dax.ts';
import { type EmulatedApp, Identity } from './emulator-identity.ts';
import { type EmulatorLimits, MICROSOFT_LIMITS } from './emulator-limits.ts';
import {
  datasetJson,
  type EmulatedDataset,
  type EmulatedGroup,
  type EmulatedRow,
  groupJson,
  Workspaces,
} from './emulator-state.ts';
import { apiError, EmulatorError, isObject, parseJson, type Reply } from './emulator-wire.ts';

export const EMULATOR_TENANT_ID = '72f988bf-0000-4000-8000-0000000f1a5c';
export const EMULATOR_CLIENT_ID = '0b4c1a9e-0000-4000-8000-00000000c11e';
export const EMULATOR_CLIENT_SECRET = 'emu~SecretValue.0123456789abcdefXYZ';
export const EMULATOR_GROUP: EmulatedGroup = {
  id: 'f089354e-8366-4e18-aea3-4cb4a3a50b48',
  name: 'Finance Analytics',
};

export interface PowerBiEmulatorOptions {
  readonly port?: number;
  readonly tenantId?: string;
  readonly apps?: readonly EmulatedApp[];
  readonly groups?: readonly EmulatedGroup[];
  /** Clock in ms for every limit window and token expiry; tests pass a fake one. */
  readonly now?: () => number;
  /** Overrides of Microsoft's limits, e.g. a small rows-per-hour budget so a test need not post a million rows. */
  readonly limits?: Partial<EmulatorLimits>;
  readonly tokenLifetimeSeconds?: number;
  /** Real milliseconds before each answer, so concurrent requests overlap as they would over a network. */
  readonly latencyMs?: number;
}

/** '429' and '500' refuse without storing; 'hang' never answers; 'lost' stores the rows, then drops the socket. */
export type PowerBiFault = '429' | '500' | 'hang' | 'lost';

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number | 'hang' | 'lost';
  /** Rows in a POST rows request. */
  readonly rows?: number;
  /** Emulator clock when answered. */
  readonly at: number;
}

export interface PowerBiEmulatorControl {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly groupId: string;
  /** Rows of `table` in `datasetId` (default: the first dataset that has such a table). */
  rows(table: string, datasetId?: string): readonly EmulatedRow[];
  datasets(): readonly { readonly id: string; readonly name: string; readonly tables: readonly string[] }[];
  /**
   * The next `count` requests whose `METHOD /path` contains `match` (default `/rows`: row pushes) fail with
   * `fault`; e.g. `POST /v1.0/myorg/groups/<id>/datasets` for dataset creation.
   */
  failNext(count: number, fault: PowerBiFault, match?: string): void;
  clearFaults(): void;
  readonly requestLog: readonly LoggedRequest[];
  clearLog(): void;
  /** Invalidates every access token issued so far. */
  revokeTokens(): void;
  /** Most POST rows requests ever in flight at once on a dataset (default: all datasets). */
  peakPending(datasetId?: string): number;
}

export interface PowerBiEmulator {
  readonly url: string;
  /** The token endpoint for the emulator's tenant; MS_TOKEN_URL may also be `<url>/{tenant}/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  readonly port: number;
  readonly control: PowerBiEmulatorControl;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const GROUP_PATH =
  /^\/v1\.0\/myorg\/groups(?:\/([^/]+)(?:\/datasets(?:\/([^/]+)(?:\/(tables|executeQueries)(?:\/([^/]+)\/rows)?)?)?)?)?$/;

export async function startPowerBiEmulator(options: PowerBiEmulatorOptions = {}): Promise<PowerBiEmulator> {
  const now = options.now ?? Date.now;
  const limits: EmulatorLimits = { ...MICROSOFT_LIMITS, ...options.limits };
  const tenantId = options.tenantId ?? EMULATOR_TENANT_ID;
  const apps = options.apps ?? [{ clientId: EMULATOR_CLIENT_ID, secret: EMULATOR_CLIENT_SECRET }];
  const identity = new Identity(tenantId, apps, now, options.tokenLifetimeSeconds ?? 3599);
  const spaces = new Workspaces(options.groups ?? [EMULATOR_GROUP], limits, now);
  const faults: { fault: PowerBiFault; remaining: number; pathIncludes: string }[] = [];
  const requestLog: LoggedRequest[] = [];

  const list = (value: unknown[]) => ({
    status: 200,
    body: { '@odata.context': 'http://emulator/$metadata', value },
  });

  /** A POST rows request: limits first (as the service throttles before it reads rows), then all-or-nothing. */
  function postRows(
    dataset: EmulatedDataset,
    tableName: string,
    body: unknown,
  ): { reply: Reply; rows: number } {
    const table = spaces.table(dataset, tableName);
    dataset.limiter.checkRate(spaces.largestTable(dataset));
    if (!isObject(body) || !Array.isArray(body.rows)) {
      throw apiError(400, 'InvalidRequest', 'The body must be { "rows": [ ... ] }');
    }
    dataset.limiter.checkRows(body.rows.length);
    const rows = spaces.checkRows(table, body.rows);
    table.rows.push(...rows);
    dataset.limiter.accept(rows.length);
    return { reply: { status: 200, body: {} }, rows: rows.length };
  }

  function route(
    req: IncomingMessage,
    path: string,
    url: URL,
    text: string,
  ): { reply: Reply; rows?: number } {
    const method = req.method ?? 'GET';
    const token = TOKEN_PATH.exec(path);
    if (token && method === 'POST') {
      return { reply: identity.token(decodeURIComponent(token[1]!), new URLSearchParams(text)) };
    }
    const m = GROUP_PATH.exec(path);
    if (!m) throw apiError(404, 'NotFound', `No route for ${method} ${path.slice(0, 120)}`);
    identity.authenticate(req.headers.authorization);
    const [, groupId, datasetId, sub, tableName] = m;
    if (groupId === undefined) {
      if (method !== 'GET') throw apiError(405, 'MethodNotAllowed', 'Only GET');
      const id = /^id eq '([^']+)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1]?.toLowerCase();
      return {
        reply: list(
          [...spaces.groups.values()].filter((g) => id === undefined || g.id === id).map(groupJson),
        ),
      };
    }
    if (datasetId === undefined) {
      if (!path.endsWith('/datasets'))
        return { reply: { status: 200, body: groupJson(spaces.group(groupId)) } };
      if (method === 'GET') return { reply: list(spaces.inGroup(groupId).map(datasetJson)) };
      if (method !== 'POST') throw apiError(405, 'MethodNotAllowed', 'GET or POST');
      const created = spaces.create(groupId, parseJson(text), url.searchParams.get('defaultRetentionPolicy'));
      return {
        reply: {
          status: 201,
          body: {
            id: created.id,
            name: created.name,
            defaultRetentionPolicy: created.defaultRetentionPolicy,
          },
        },
      };
    }
    const dataset = spaces.dataset(groupId, decodeURIComponent(datasetId));
    if (sub === undefined) return { reply: { status: 200, body: datasetJson(dataset) } };
    if (sub === 'executeQueries') {
      if (method !== 'POST') throw apiError(405, 'MethodNotAllowed', 'POST');
      return { reply: executeQueries(spaces, dataset, parseJson(text)) };
    }
    if (tableName === undefined) {
      return { reply: list([...dataset.tables.values()].map((t) => ({ name: t.name }))) };
    }
    const name = decodeURIComponent(tableName);
    if (method === 'DELETE') {
      spaces.table(dataset, name).rows.length = 0;
      return { reply: { status: 200, body: {} } };
    }
    if (method !== 'POST') throw apiError(405, 'MethodNotAllowed', 'POST or DELETE');
    return postRows(dataset, name, parseJson(text));
  }

  function takeFault(method: string, path: string): PowerBiFault | undefined {
    const entry = faults.find((f) => f.remaining > 0 && `${method} ${path}`.includes(f.pathIncludes));
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) faults.splice(faults.indexOf(entry), 1);
    return entry.fault;
  }

  function answer(req: IncomingMessage, res: ServerResponse, url: URL, text: string): void {
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    const log = (status: LoggedRequest['status'], rows?: number) =>
      requestLog.push({ method, path, status, at: now(), ...(rows === undefined ? {} : { rows }) });
    const fault = takeFault(method, path);
    if (fault === 'hang') return void log('hang');
    let result: { reply: Reply; rows?: number };
    try {
      if (fault === '429')
        throw apiError(429, 'TooManyRequests', 'Too many requests', { 'Retry-After': '3' });
      if (fault === '500') throw apiError(500, 'InternalServerError', 'An internal error occurred');
      result = route(req, path, url, text);
    } catch (error) {
      if (!(error instanceof EmulatorError)) throw error;
      result = { reply: { status: error.status, body: error.body, headers: error.headers } };
    }
    if (fault === 'lost') {
      // The rows are stored, but the answer never arrives: what a timeout after the service committed looks like.
      log('lost', result.rows);
      res.destroy();
      return;
    }
    const body = Buffer.from(result.reply.body === undefined ? '' : JSON.stringify(result.reply.body));
    res.writeHead(result.reply.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(body.length),
      RequestId: `emu-${requestLog.length + 1}`,
      ...result.reply.headers,
    });
    log(result.reply.status, result.rows);
    res.end(body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    // A POST rows request is pending from its first byte until it is answered or its socket closes.
    const rowsPath = GROUP_PATH.exec(url.pathname.replace(/\/+$/, ''));
    const pending =
      req.method === 'POST' && rowsPath?.[4] !== undefined
        ? spaces.datasets.get(rowsPath[2]!.toLowerCase())
        : undefined;
    if (pending) {
      // 'finish' (answer handed to the socket) comes before the client can read it; 'close' covers dropped sockets.
      const done = pending.limiter.begin();
      res.once('finish', done);
      res.once('close', done);
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (options.latencyMs) setTimeout(() => answer(req, res, url, text), options.latencyMs);
      else answer(req, res, url, text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const findDataset = (table: string, datasetId?: string) =>
    datasetId === undefined
      ? [...spaces.datasets.values()].find((d) => d.tables.has(table))
      : spaces.datasets.get(datasetId.toLowerCase());

  const control: PowerBiEmulatorControl = {
    tenantId,
    clientId: apps[0]?.clientId ?? '',
    clientSecret: apps[0]?.secret ?? '',
    groupId: (options.groups ?? [EMULATOR_GROUP])[0]?.id ?? '',
    rows: (table, datasetId) => findDataset(table, datasetId)?.tables.get(table)?.rows ?? [],
    datasets: () =>
      [...spaces.datasets.values()].map((d) => ({ id: d.id, name: d.name, tables: [...d.tables.keys()] })),
    failNext(count, fault, match = '/rows') {
      faults.push({ fault, remaining: count, pathIncludes: match });
    },
    clearFaults() {
      faults.length = 0;
    },
    requestLog,
    clearLog() {
      requestLog.length = 0;
    },
    revokeTokens: () => identity.revokeAll(),
    peakPending: (datasetId) =>
      Math.max(
        0,
        ...[...spaces.datasets.values()]
          .filter((d) => datasetId === undefined || d.id === datasetId)
          .map((d) => d.limiter.peakPending),
      ),
  };

  return {
    url,
    tokenUrl: `${url}/${tenantId}/oauth2/v2.0/token`,
    port,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
