/**
 * One timed `engine.run` of a connected provider, as the full-load workers (QuickBooks, PayPal, Sage) measure
 * it: wall, CPU and RSS from measureWork, how the run ended, and what the store holds afterwards.
 */
import type { Core } from '../src/core.ts';
import { measureWork } from './common.ts';
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
