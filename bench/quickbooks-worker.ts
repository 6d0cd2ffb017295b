/**
 * A fresh process for one measured QuickBooks full load, so its RSS is its own. Ops:
 * - `finsync`: builds the production core (createCore: embedded store, keyring, real SyncEngine, QuickBooks
 *   connector) on `dataDir` and connects the company the way a person does: the consent URL (`authorizeUrl`)
 *   is opened on the emulator, which answers at once with the redirect carrying a code, the code is
 *   exchanged at the token endpoint (`exchangeCode`), and `finsync.connect({ fromOAuth: true })` verifies it
 *   (CompanyInfo, Preferences) and stores the sealed tokens. Not timed. Then times `engine.run` for the
 *   `invoices` stream only, sampling RSS every 50 ms and at record milestones.
 * - `bare`: pages through the same invoices with bare node-quickbooks (the same query text finsync sends:
 *   `ORDERBY Id STARTPOSITION n MAXRESULTS 1000`), one request at a time, storing nothing.
 * The measurement fields are those of sync-worker.ts, so the reports read the same.
 */
import m from 'node-quickbooks';
import { authorizeUrl, exchangeCode } from '../connectors/quickbooks/oauth.ts';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/security/roles.ts';
import { serveParent } from './children.ts';
import { measureWork } from './common.ts';
import { type ConnectedRunMeasurement, measureConnectedRun } from './engine-run.ts';
import type { WorkerMeasurement } from './sync-worker.ts';

// Under nodenext the default import of this CommonJS package is typed as its module namespace.
const QuickBooks = m as unknown as typeof m.default;

export type QuickBooksFinsyncMeasurement = ConnectedRunMeasurement;

interface FinsyncRequest {
  readonly dataDir: string;
  readonly keyBase64: string;
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly milestones: readonly number[];
}

interface BareRequest {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly realmId: string;
  readonly accessToken: string;
  readonly milestones: readonly number[];
}

const CONNECTION = 'quickbooks';
const STREAM = 'invoices';
const PAGE = 1000;

/** Opens the consent URL on the emulator (which consents at once) and returns the code and company from its redirect. */
async function consent(url: string): Promise<{ code: string; realmId: string }> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (response.status !== 302 || !location)
    throw new Error(`consent answered ${response.status}, no redirect`);
  const back = new URL(location).searchParams;
  const code = back.get('code');
  const realmId = back.get('realmId');
  if (!code || !realmId) throw new Error(`consent redirect without code or realmId: ${location}`);
  return { code, realmId };
}

async function measureFinsync(request: FinsyncRequest): Promise<QuickBooksFinsyncMeasurement> {
  const config = loadConfig(
    {
      FINSYNC_DATA_DIR: request.dataDir,
      FINSYNC_ENCRYPTION_KEY: request.keyBase64,
      QUICKBOOKS_CLIENT_ID: request.clientId,
      QUICKBOOKS_CLIENT_SECRET: request.clientSecret,
      QUICKBOOKS_AUTHORIZE_URL: `${request.url}/oauth2/authorize`,
      QUICKBOOKS_TOKEN_URL: `${request.url}/oauth2/v1/tokens/bearer`,
      QUICKBOOKS_API_BASE: request.url,
      LOG_LEVEL: 'info',
    },
    { requireSlack: false },
  );
  return measureConnectedRun(
    config,
    async (core) => {
      const settings = config.providers.quickbooks;
      const { code, realmId } = await consent(authorizeUrl({ settings, state: 'bench-state' }));
      const credentials = await exchangeCode({ settings, code, realmId });
      return core.finsync.connect({
        provider: 'quickbooks',
        name: CONNECTION,
        input: credentials,
        actor: CLI_ACTOR,
        fromOAuth: true,
      });
    },
    { connection: CONNECTION, streams: [STREAM], milestones: request.milestones, count: 'fetched' },
  );
}

async function measureBare(request: BareRequest): Promise<WorkerMeasurement> {
  // As connectors/quickbooks/client.ts configures the SDK: endpoint from the static, OAuth 2.0, sandbox=true
  // (keeps the URL verbatim), minor version 75.
  QuickBooks.V3_ENDPOINT_BASE_URL = `${request.url}/v3/company/`;
  const qbo = new QuickBooks(
    request.clientId,
    request.clientSecret,
    request.accessToken,
    false,
    request.realmId,
    true,
    false,
    '75',
    '2.0',
    null,
  );
  const page = (start: number) =>
    new Promise<readonly unknown[]>((resolve, reject) => {
      const criteria = `ORDERBY Id STARTPOSITION ${start} MAXRESULTS ${PAGE}`;
      qbo.findInvoices(criteria as unknown as Parameters<typeof qbo.findInvoices>[0], (err, data) => {
        if (err) return reject(new Error(`findInvoices failed: ${JSON.stringify(err).slice(0, 300)}`));
        const list = (data as { QueryResponse?: { Invoice?: unknown[] } }).QueryResponse?.Invoice;
        resolve(Array.isArray(list) ? list : []);
      });
    });
  return measureWork(request.milestones, async (progress) => {
    let records = 0;
    // Bounded: 10,000 pages of 1,000 is far past any company this bench builds.
    for (let start = 1; start < 10_000 * PAGE; start += PAGE) {
      const invoices = await page(start);
      for (const invoice of invoices) if ((invoice as { Id?: unknown }).Id !== undefined) records++;
      progress(records);
      if (invoices.length < PAGE) break;
    }
    return { records, result: null };
  });
}

serveParent({
  finsync: (request) => measureFinsync(request as unknown as FinsyncRequest),
  bare: (request) => measureBare(request as unknown as BareRequest),
});
console.log(JSON.stringify({ ready: true }));
