/**
 * A fresh process for one measured sync, so its RSS is its own (no leftovers from seeding or from the
 * other contender). Ops:
 * - `finsync`: builds the production core (createCore: embedded store, keyring, real SyncEngine, Stripe
 *   connector) on `dataDir`, optionally creates the connection, then times `engine.run` for the given
 *   streams, sampling RSS every 50 ms and at record milestones.
 * - `bare`: pages through the same balance transactions with the bare Stripe SDK, storing nothing.
 */
import Stripe from 'stripe';
import { EMULATOR_SECRET_KEY } from '../connectors/stripe/emulator.ts';
import { loadConfig } from '../src/config.ts';
import { createCore } from '../src/core.ts';
import type { SyncRun } from '../src/store/types.ts';
import { serveParent } from './children.ts';
import type { Milestone, WorkerMeasurement } from './common.ts';
import { discardLogger, measureWork } from './common.ts';

export type { Milestone, WorkerMeasurement };

export interface FinsyncMeasurement extends WorkerMeasurement {
  readonly openMs: number;
  readonly run: Pick<SyncRun, 'status' | 'streams' | 'errorClass' | 'errorMessage'>;
  readonly storeCountAfter: number;
}

interface FinsyncRequest {
  readonly dataDir: string;
  readonly keyBase64: string;
  readonly stripeUrl: string;
  readonly connection: string;
  readonly createConnection: boolean;
  readonly streams: readonly string[];
  readonly milestones: readonly number[];
  /** Diagnostic: force a full GC before each milestone sample, to show live memory rather than garbage. */
  readonly gcAtMilestones?: boolean;
}

async function measureFinsync(request: FinsyncRequest): Promise<FinsyncMeasurement> {
  const config = loadConfig(
    {
      FINSYNC_DATA_DIR: request.dataDir,
      FINSYNC_ENCRYPTION_KEY: request.keyBase64,
      STRIPE_API_BASE: request.stripeUrl,
      LOG_LEVEL: 'info',
    },
    { requireSlack: false },
  );
  const log = discardLogger();
  const openStart = performance.now();
  const core = await createCore(config, { log, groupMembers: async () => [] });
  const openMs = performance.now() - openStart;
  try {
    if (request.createConnection) {
      await core.store.createConnection({
        name: request.connection,
        provider: 'stripe',
        accountLabel: 'Emulated Stripe (bench)',
        accountId: null,
        credentials: core.keyring.seal(
          JSON.stringify({ api_key: EMULATOR_SECRET_KEY }),
          `connection:${request.connection}`,
        ),
        state: 'active',
        stateReason: null,
        schedule: null,
        createdAt: new Date().toISOString(),
        createdBy: 'bench',
      });
    }
    const measured = await measureWork(
      request.milestones,
      async (progress) => {
        const run = await core.engine.run({
          connection: request.connection,
          trigger: 'cli',
          triggeredBy: 'bench',
          streams: request.streams,
          onProgress: (p) => progress(p.recordsSoFar),
        });
        return { records: Object.values(run.streams).reduce((sum, s) => sum + s.fetched, 0), result: run };
      },
      request.gcAtMilestones,
    );
    const { result: run, ...measurement } = measured;
    return {
      openMs,
      ...measurement,
      run: {
        status: run.status,
        streams: run.streams,
        errorClass: run.errorClass,
        errorMessage: run.errorMessage,
      },
      storeCountAfter: await core.store.countRecords(request.connection),
    };
  } finally {
    await core.close();
  }
}

async function measureBare(request: {
  stripeUrl: string;
  milestones: readonly number[];
}): Promise<WorkerMeasurement> {
  const url = new URL(request.stripeUrl);
  const stripe = new Stripe(EMULATOR_SECRET_KEY, { host: url.hostname, port: url.port, protocol: 'http' });
  return measureWork(request.milestones, async (progress) => {
    let records = 0;
    for await (const transaction of stripe.balanceTransactions.list({ limit: 100 })) {
      if (transaction.id) records++;
      if (records % 100 === 0) progress(records);
    }
    return { records, result: null };
  });
}

serveParent({
  finsync: (request) => measureFinsync(request as unknown as FinsyncRequest),
  bare: (request) => measureBare(request as unknown as { stripeUrl: string; milestones: number[] }),
});
console.log(JSON.stringify({ ready: true }));
