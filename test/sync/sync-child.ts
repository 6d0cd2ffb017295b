/**
 * A sync process for crash tests: opens the embedded store in a data dir, waits for a killed predecessor's
 * run lease to lapse and closes its run (as the app does at start), and syncs one connection against the
 * emulator URL it is given. It reports on stdout, one JSON line per event, so the parent can kill it
 * (SIGKILL) at chosen points: `start` (orphans closed, records already stored), `progress` after each
 * committed page, `done` with the run's status.
 *
 * Usage: node --import tsx test/sync/sync-child.ts '<ChildConfig as JSON>'
 */
import { createPlaidConnector } from '../../connectors/plaid/connector.ts';
import { createStripeConnector } from '../../connectors/stripe/connector.ts';
import type { Credentials } from '../../connectors/types.ts';
import { RunConflictError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { SyncEngine } from '../../src/sync/engine.ts';
import type { BatchOptions } from '../../src/sync/page-batcher.ts';
import type { SyncSettings } from './helpers.ts';

export interface ChildConfig {
  readonly dataDir: string;
  readonly connection: string;
  readonly provider: 'stripe' | 'plaid';
  readonly settings: SyncSettings;
  readonly credentials: Credentials;
  /** Page grouping (default: the engine's); small batches make every page a commit to kill after. */
  readonly batch?: BatchOptions;
  /** The run lease's lifetime (default 300 ms, so a killed child's successor waits briefly). */
  readonly leaseMs?: number;
  /** Wait for a live lease of another process to lapse before syncing (default); false tries at once. */
  readonly waitForLease?: boolean;
}

export type ChildEvent =
  | { readonly type: 'start'; readonly orphans: number; readonly stored: number }
  | { readonly type: 'progress'; readonly stream: string; readonly records: number }
  | { readonly type: 'done'; readonly status: string; readonly error: string | null }
  | { readonly type: 'conflict'; readonly message: string };

const emit = (event: ChildEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const store = await EmbeddedStore.open(config.dataDir);
const lease = { holder: `crash-test child pid ${process.pid}`, ttlMs: config.leaseMs ?? 300 };
// A killed predecessor's run holds the connection until its lease lapses; then it is an orphan to close.
let orphans = 0;
for (const deadline = Date.now() + 10_000; ; ) {
  orphans += await store.closeOrphanRuns(
    'the sync process died; the next run resumes from its last committed page',
  );
  if (config.waitForLease === false || !(await store.activeRun(config.connection)) || Date.now() > deadline)
    break;
  await new Promise((resolve) => setTimeout(resolve, 25));
}
emit({ type: 'start', orphans, stored: await store.countRecords(config.connection) });

const connector = config.provider === 'stripe' ? createStripeConnector() : createPlaidConnector();
const log = silentLogger();
const engine = new SyncEngine({
  store,
  log,
  streamsFor: () => connector.streams(config.credentials),
  connectorContext: (provider, signal) => ({
    settings: config.settings[provider as keyof SyncSettings],
    log,
    ...(signal ? { signal } : {}),
  }),
  ...(config.batch ? { batch: config.batch } : {}),
  lease,
});
try {
  const run = await engine.run({
    connection: config.connection,
    trigger: 'cli',
    triggeredBy: 'crash-test',
    onProgress: (p) => emit({ type: 'progress', stream: p.stream, records: p.recordsSoFar }),
  });
  emit({ type: 'done', status: run.status, error: run.errorMessage });
} catch (error) {
  // Another process holds the connection's lease: what a second `npx finsync sync` answers.
  if (!(error instanceof RunConflictError)) throw error;
  emit({ type: 'conflict', message: error.message });
}
await store.close();
