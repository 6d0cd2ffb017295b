/**
 * A PayPal sync process for the crash test: closes a killed predecessor's run once its lease lapses (as the
 * app does at start), then syncs the connection against the emulator URL it is given, reporting one JSON line
 * per event on stdout (`start`, `progress` after each committed page, `done`) so the parent can SIGKILL it.
 *
 * Usage: node --import tsx test/connectors/paypal/sync-child.ts '<PayPalChildConfig as JSON>'
 */
import { createPayPalConnector } from '../../../connectors/paypal/connector.ts';
import type { Credentials } from '../../../connectors/types.ts';
import { silentLogger } from '../../../src/log.ts';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.ts';
import { SyncEngine } from '../../../src/sync/engine.ts';

export interface PayPalChildConfig {
  readonly dataDir: string;
  readonly apiBase: string;
  readonly credentials: Credentials;
}

export type PayPalChildEvent =
  | { readonly type: 'start'; readonly orphans: number; readonly stored: number }
  | { readonly type: 'progress'; readonly records: number }
  | { readonly type: 'done'; readonly status: string; readonly error: string | null };

const emit = (event: PayPalChildEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);

const config = JSON.parse(process.argv[2] ?? '{}') as PayPalChildConfig;
const store = await EmbeddedStore.open(config.dataDir);
const lease = { holder: `paypal crash child pid ${process.pid}`, ttlMs: 300 };
let orphans = 0;
for (const deadline = Date.now() + 10_000; ; ) {
  orphans += await store.closeOrphanRuns(
    'the sync process died; the next run resumes from its last committed page',
  );
  if (!(await store.activeRun('paypal')) || Date.now() > deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 25));
}
emit({ type: 'start', orphans, stored: await store.countRecords('paypal') });

const connector = createPayPalConnector();
const log = silentLogger();
const engine = new SyncEngine({
  store,
  log,
  streamsFor: () => connector.streams(config.credentials),
  connectorContext: (_provider, signal) => ({
    settings: { apiBase: config.apiBase },
    log,
    ...(signal ? { signal } : {}),
  }),
  // Every page its own commit, so kills land between, inside and right after commits.
  batch: { maxRecords: 1, maxAgeMs: 0 },
  lease,
});
const run = await engine.run({
  connection: 'paypal',
  trigger: 'cli',
  triggeredBy: 'crash-test',
  onProgress: (p) => emit({ type: 'progress', records: p.recordsSoFar }),
});
emit({ type: 'done', status: run.status, error: run.errorMessage });
await store.close();
