/**
 * A fresh process for one measured PayPal full load, so its RSS is its own. Ops:
 * - `finsync`: builds the production core (createCore: embedded store, keyring, real SyncEngine, PayPal
 *   connector) on `dataDir`, connects the emulator's app as a person does through the form
 *   (`finsync.connect`: token and a small search), not timed, then times `engine.run`, sampling RSS every
 *   50 ms and at record milestones.
 * - `bare`: a bare `fetch` loop making the same requests finsync makes (a client-credentials token, then for
 *   each window of at most 31 days every page with `balance_affecting_records_only=N` and every page with
 *   `=Y`, `fields=all`, `page_size=500`), parsing the JSON and storing nothing.
 * The measurement fields are those of sync-worker.ts, so the reports read the same.
 */
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/security/roles.ts';
import { serveParent } from './children.ts';
import { measureWork } from './common.ts';
import { type ConnectedRunMeasurement, measureConnectedRun } from './engine-run.ts';
import type { WorkerMeasurement } from './sync-worker.ts';

export type PayPalFinsyncMeasurement = ConnectedRunMeasurement;

interface Request {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly historyFrom: string;
  readonly milestones: readonly number[];
}

interface FinsyncRequest extends Request {
  readonly dataDir: string;
  readonly keyBase64: string;
}

const CONNECTION = 'paypal';
const PAGE_SIZE = 500;
const WINDOW_MS = 31 * 86_400_000;

async function measureFinsync(request: FinsyncRequest): Promise<PayPalFinsyncMeasurement> {
  const config = loadConfig(
    {
      FINSYNC_DATA_DIR: request.dataDir,
      FINSYNC_ENCRYPTION_KEY: request.keyBase64,
      PAYPAL_API_BASE: request.url,
      LOG_LEVEL: 'info',
    },
    { requireSlack: false },
  );
  return measureConnectedRun(
    config,
    (core) =>
      core.finsync.connect({
        provider: 'paypal',
        name: CONNECTION,
        input: {
          client_id: request.clientId,
          client_secret: request.clientSecret,
          history_from: request.historyFrom,
        },
        actor: CLI_ACTOR,
      }),
    { connection: CONNECTION, milestones: request.milestones, count: 'stored' },
  );
}

const isoSecond = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

async function measureBare(request: Request): Promise<WorkerMeasurement> {
  const basic = Buffer.from(`${request.clientId}:${request.clientSecret}`).toString('base64');
  const tokenAnswer = await fetch(`${request.url}/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
  const start = Date.parse(`${request.historyFrom}T00:00:00Z`);
  const end = Math.floor(Date.now() / 1000) * 1000;
  return measureWork(request.milestones, async (progress) => {
    let records = 0;
    for (let from = start; from < end; from += WINDOW_MS) {
      const to = Math.min(from + WINDOW_MS, end);
      for (const flag of ['N', 'Y']) {
        for (let page = 1; ; page++) {
          const query = new URLSearchParams({
            start_date: isoSecond(from),
            end_date: isoSecond(to),
            fields: 'all',
            balance_affecting_records_only: flag,
            page_size: String(PAGE_SIZE),
            page: String(page),
          });
          const response = await fetch(`${request.url}/v1/reporting/transactions?${query}`, {
            headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          });
          if (!response.ok) throw new Error(`search answered ${response.status}`);
          const body = (await response.json()) as { transaction_details: unknown[]; total_pages: number };
          if (flag === 'N') records += body.transaction_details.length;
          progress(records);
          if (page >= body.total_pages || body.transaction_details.length === 0) break;
        }
      }
    }
    return { records, result: null };
  });
}

serveParent({
  finsync: (request) => measureFinsync(request as unknown as FinsyncRequest),
  bare: (request) => measureBare(request as unknown as Request),
});
console.log(JSON.stringify({ ready: true }));
