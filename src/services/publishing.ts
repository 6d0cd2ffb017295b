/**
 * Publishing to destinations (Power BI): after a source sync brings changes, and on `sync <destination>`.
 * A publish is its own run on the destination's connection, with its own status: a failed publish never
 * fails the source sync that preceded it. One publish per destination at a time, across processes: a
 * publish is a run, and so holds the destination's lease in the store (RunLease) while it pushes.
 */
import { randomUUID } from 'node:crypto';
import { destinationFor } from '../../connectors/registry.ts';
import type { ConnectorContext, Credentials } from '../../connectors/types.ts';
import { AuthError, ConflictError, classify, errorMessage, RunConflictError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import { defaultLease } from '../store/lease.ts';
import type { Connection, RunLease, RunTrigger, Store, SyncRun } from '../store/types.ts';
import { keepLease } from '../sync/lease-keeper.ts';
import { publishChanges } from '../sync/publish.ts';

export interface PublishingDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly credentialsOf: (connection: Connection) => Credentials;
  readonly connectorContext: (provider: string, signal?: AbortSignal) => ConnectorContext;
  readonly now: () => Date;
  /** This process's run lease (default: a minute, named after the process). */
  readonly lease?: RunLease;
}

/** Who a publish is for, and when it may stop. */
export interface PublishRequest {
  readonly trigger: RunTrigger;
  readonly triggeredBy: string | null;
  readonly signal?: AbortSignal;
  /** Told once the publish's run is recorded (running): a failure after that ends this record. */
  readonly onStarted?: (run: SyncRun) => void;
}

export class Publishing {
  /** Publishes of this process, by destination, with when they started (the store's lease covers others). */
  private readonly active = new Map<string, string>();

  constructor(private readonly deps: PublishingDeps) {}

  isDestination(connection: Connection): boolean {
    return destinationFor(connection.provider) !== undefined;
  }

  /** Every connected destination (a source sync's changes go to each, each as its own run). */
  async destinations(): Promise<Connection[]> {
    return (await this.deps.store.listConnections()).filter((c) => this.isDestination(c));
  }

  /**
   * Publishes to one destination as its own run. A publish of it already running, here or in another process,
   * throws RunConflictError (that publish, or the next one, carries these changes); a failure of the push
   * itself ends the run as failed. What else throws (the store refusing to record the run) is the caller's.
   */
  async publish(connection: Connection, request: PublishRequest): Promise<SyncRun> {
    const destination = destinationFor(connection.provider);
    if (!destination) throw new ConflictError(`${connection.name} is not a destination`);
    const running = this.active.get(connection.name);
    if (running) throw new RunConflictError(connection.name, running, 'in this process');
    let signal = request.signal;
    const { store } = this.deps;
    const run: SyncRun = {
      id: randomUUID(),
      connection: connection.name,
      trigger: request.trigger,
      triggeredBy: request.triggeredBy,
      startedAt: this.deps.now().toISOString(),
      endedAt: null,
      status: 'running',
      streams: {},
      errorClass: null,
      errorMessage: null,
      skipped: [],
    };
    this.active.set(connection.name, run.startedAt);
    try {
      await store.startRun(run, this.deps.lease ?? defaultLease());
      request.onStarted?.(run);
      const held = keepLease(this.deps, run, this.deps.lease ?? defaultLease(), signal);
      signal = held.signal;
      try {
        const publisher = destination.publisher(
          this.deps.credentialsOf(connection),
          this.deps.connectorContext(connection.provider, signal),
        );
        const result = await publishChanges({
          store,
          log: this.deps.log,
          destination: connection.name,
          publisher,
          ...(signal ? { signal } : {}),
        });
        if (connection.state !== 'active')
          await store.updateConnection(connection.name, { state: 'active', stateReason: null });
        // Status and the Home tab name the dataset the ledger lands in.
        if (!connection.accountLabel.includes(result.datasetLabel)) {
          await store.updateConnection(connection.name, {
            accountLabel: `${connection.accountLabel} · ${result.datasetLabel}`,
          });
        }
        return await store.updateRun(run.id, {
          status: 'success',
          endedAt: this.deps.now().toISOString(),
          streams: {
            published: {
              fetched: result.pushed,
              inserted: result.pushed,
              updated: 0,
              deleted: 0,
              skipped: 0,
            },
          },
        });
      } catch (error) {
        if (error instanceof AuthError) {
          await store.updateConnection(connection.name, {
            state: 'needs_reconnect',
            stateReason: redactText(error.message),
          });
        }
        this.deps.log.warn('publish failed', {
          connection: connection.name,
          errorClass: classify(error),
          error: redactText(errorMessage(error)),
        });
        return await store.updateRun(run.id, {
          status: signal?.aborted ? 'cancelled' : 'failed',
          endedAt: this.deps.now().toISOString(),
          errorClass: classify(error),
          errorMessage: redactText(errorMessage(error)).slice(0, 2000),
        });
      } finally {
        held.release();
      }
    } finally {
      this.active.delete(connection.name);
    }
  }
}
