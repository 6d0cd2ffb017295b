/**
 * Keeps a running run's lease (RunLease) alive while the run works: renewed every third of its lifetime.
 * When the store says the lease is no longer the run's (it lapsed and another process took the connection
 * over), `signal` aborts so the run stops at its next page; the store refuses its writes anyway.
 */
import { errorMessage, LeaseLostError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RunLease, Store, SyncRun } from '../store/types.ts';

export interface HeldLease {
  /** Aborts when the lease is lost (or when `signal`, if given, aborts). */
  readonly signal: AbortSignal;
  /** Stops renewing (the run's end releases the lease in the store). */
  release(): void;
}

export function keepLease(
  deps: { readonly store: Store; readonly log: Logger },
  run: SyncRun,
  lease: RunLease,
  signal?: AbortSignal,
): HeldLease {
  const lost = new AbortController();
  const timer = setInterval(
    () => {
      deps.store.renewRunLease(run.id, lease).then(
        (held) => {
          if (held || lost.signal.aborted) return;
          clearInterval(timer);
          deps.log.error('run lost its lease to another process; stopping it', {
            connection: run.connection,
            runId: run.id,
          });
          lost.abort(new LeaseLostError(`${run.connection}'s run ${run.id} lost its lease`));
        },
        // A store that cannot be reached now may answer at the next renewal, well before the lease lapses.
        (error: unknown) =>
          deps.log.warn('could not renew a run lease', {
            connection: run.connection,
            runId: run.id,
            error: errorMessage(error),
          }),
      );
    },
    Math.max(50, Math.floor(lease.ttlMs / 3)),
  );
  timer.unref();
  return {
    signal: signal ? AbortSignal.any([signal, lost.signal]) : lost.signal,
    release: () => clearInterval(timer),
  };
}
