/**
 * A fresh process for one measured Sage full load, so its RSS is its own. Ops:
 * - `finsync`: builds the production core (createCore: embedded store, keyring, real SyncEngine, Sage
 *   connector) on `dataDir` and connects the business the way a person does: the consent URL is opened on the
 *   emulator, which answers at once with the redirect carrying a code, the code is exchanged at the token
 *   endpoint, and `finsync.connect({ fromOAuth: true })` verifies it (businesses, financial settings) and
 *   stores the sealed tokens. Not timed. Then times `engine.run` for the `contact_payments` stream only.
 * - `bare`: a plain `fetch` loop paging the same payments (`attributes=all`, `items_per_page=200`, following
 *   `$next`, `response.json()`), one request at a time, storing nothing.
 * The measurement fields are those of sync-worker.ts, so the reports read the same.
 */
import { authorizeUrl, exchangeCode } from '../connectors/sage/oauth.ts';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/security/roles.ts';
import { serveParent } from './children.ts';
import { measureWork } from './common.ts';
import { type ConnectedRunMeasurement, measureConnectedRun } from './engine-run.ts';
import type { WorkerMeasurement } from './sync-worker.ts';

export type SageFinsyncMeasurement = ConnectedRunMeasurement;

interface FinsyncRequest {
  readonly dataDir: string;
  readonly keyBase64: string;
  readonly url: string;
  readonly apiBase: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly milestones: readonly number[];
}

interface BareRequest {
  readonly apiBase: string;
  readonly businessId: string;
  readonly accessToken: string;
  readonly milestones: readonly number[];
}

const CONNECTION = 'sage';
const STREAM = 'contact_payments';

async function consent(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  const location = response.headers.get('location');
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (response.status !== 302 || !code) throw new Error(`consent answered ${response.status} without a code`);
  return code;
}

async function measureFinsync(request: FinsyncRequest): Promise<SageFinsyncMeasurement> {
  const config = loadConfig(
    {
      FINSYNC_DATA_DIR: request.dataDir,
      FINSYNC_ENCRYPTION_KEY: request.keyBase64,
      SAGE_CLIENT_ID: request.clientId,
      SAGE_CLIENT_SECRET: request.clientSecret,
      SAGE_AUTHORIZE_URL: `${request.url}/oauth2/auth/central?filter=apiv3.1`,
      SAGE_TOKEN_URL: `${request.url}/token`,
      SAGE_API_BASE: request.apiBase,
      LOG_LEVEL: 'info',
    },
    { requireSlack: false },
  );
  return measureConnectedRun(
    config,
    async (core) => {
      const settings = config.providers.sage;
      const code = await consent(authorizeUrl(settings, 'bench-state'));
      const credentials = await exchangeCode(settings, code, { now: Date.now });
      return core.finsync.connect({
        provider: 'sage',
        name: CONNECTION,
        input: { ...credentials },
        actor: CLI_ACTOR,
        fromOAuth: true,
      });
    },
    { connection: CONNECTION, streams: [STREAM], milestones: request.milestones, count: 'fetched' },
  );
}

async function measureBare(request: BareRequest): Promise<WorkerMeasurement> {
  const headers = {
    Accept: 'application/json',
    Authorization: `Bearer ${request.accessToken}`,
    'X-Business': request.businessId,
  };
  return measureWork(request.milestones, async (progress) => {
    let records = 0;
    let next: string | null = `/${STREAM}?attributes=all&items_per_page=200`;
    // Bounded: 10,000 pages of 200 is far past any business this bench builds.
    for (let pages = 0; next !== null && pages < 10_000; pages++) {
      const response = await fetch(`${request.apiBase}${next}`, { headers });
      if (!response.ok) throw new Error(`GET ${next} answered ${response.status}`);
      const body = (await response.json()) as { $items?: { id?: unknown }[]; $next?: string | null };
      for (const item of body.$items ?? []) if (item.id !== undefined) records++;
      progress(records);
      next = body.$next ?? null;
    }
    return { records, result: null };
  });
}

serveParent({
  finsync: (request) => measureFinsync(request as unknown as FinsyncRequest),
  bare: (request) => measureBare(request as unknown as BareRequest),
});
console.log(JSON.stringify({ ready: true }));
