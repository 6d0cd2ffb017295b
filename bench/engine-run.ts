/**
 * One timed `engine.run` of a connected provider, as the full-load workers (QuickBooks, PayPal, Sage) measure
 * it: wall, CPU and RSS from measureWork, how the run ended, and what the store holds afterwards.
 */
import type { Config } from '../src/config.ts';
import { type Core, createCore } from '../src/core.ts';
import { discardLogger, measureWork } from './common.ts';
import type { FinsyncMeasurement } from './sync-worker.ts';

export interface EngineRunRequest {
  readonly connection: string;
  /** Only these streams; all the connector's when absent. */
  readonly streams?: readonly string[];
  readonly milestones: readonly number[];
  /**
   * What counts as the run's records: objects `fetched` from the provider, or records `stored` (several per
   * object when a fee is its own record, as PayPal's).
   */
  readonly count: 'fetched' | 'stored';
}

export async function measureEngineRun(
  core: Core,
  request: EngineRunRequest,
): Promise<Omit<FinsyncMeasurement, 'openMs'>> {
  const { result: run, ...measurement } = await measureWork(request.milestones, async (progress) => {
    const result = await core.engine.run({
      connection: request.connection,
      trigger: 'cli',
      triggeredBy: 'bench',
      ...(request.streams ? { streams: [...request.streams] } : {}),
      onProgress: (p) => progress(p.recordsSoFar),
    });
    const records =
      request.count === 'stored'
        ? await core.store.countRecords(request.connection)
        : Object.values(result.streams).reduce((sum, s) => sum + s.fetched, 0);
    return { records, result };
  });
  return {
    ...measurement,
    run: {
      status: run.status,
      streams: run.streams,
      errorClass: run.errorClass,
      errorMessage: run.errorMessage,
    },
    storeCountAfter: await core.store.countRecords(request.connection),
  };
}

/** A full-load worker's finsync measurement: store open and connect timed apart from the run. */
export interface ConnectedRunMeasurement extends FinsyncMeasurement {
  /** Connecting as a person does (consent or form, verify, store), before the clock started. */
  readonly connectMs: number;
  readonly accountLabel: string;
}

/**
 * Builds the production core on `config` (timed: store open), connects the provider with `connect` (timed
 * apart), then times one engine run as measureEngineRun does; the core is closed after.
 */
export async function measureConnectedRun(
  config: Config,
  connect: (core: Core) => Promise<{ readonly accountLabel: string }>,
  request: EngineRunRequest,
): Promise<ConnectedRunMeasurement> {
  const openStart = performance.now();
  const core = await createCore(config, { log: discardLogger(), groupMembers: async () => [] });
  const openMs = performance.now() - openStart;
  try {
    const connectStart = performance.now();
    const connection = await connect(core);
    const connectMs = performance.now() - connectStart;
    const measured = await measureEngineRun(core, request);
    return { openMs, connectMs, accountLabel: connection.accountLabel, ...measured };
  } finally {
    await core.close();
  }
}
