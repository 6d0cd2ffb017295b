/**
 * Publishes the ledger's change log to a destination (Power BI) exactly once per change, also across
 * crashes: before each push the range it covers is written down as `pending` with a batch id derived from
 * the range; after the push the cursor moves past it. A restart that finds a pending batch asks the
 * destination whether rows with that batch id landed: if they did, the cursor moves on; if not, the same
 * range is pushed again under the same id. Rows are never lost and never pushed twice.
 */
import type { Publisher, PublishRow } from '../../connectors/destination.ts';
import type { Logger } from '../log.ts';
import type { LedgerRecord } from '../records.ts';
import type { LedgerChange, Store } from '../store/types.ts';

export const PUBLISH_STREAM = 'publish:records';

interface PublishState {
  readonly seq: number;
  readonly datasetId: string | null;
  readonly pending: { readonly batchId: string; readonly toSeq: number } | null;
}

export interface PublishResult {
  readonly pushed: number;
  readonly batches: number;
  readonly datasetLabel: string;
}

function parseState(raw: unknown): PublishState {
  const state = raw as Partial<PublishState> | null;
  return {
    seq: typeof state?.seq === 'number' ? state.seq : 0,
    datasetId: typeof state?.datasetId === 'string' ? state.datasetId : null,
    pending: state?.pending && typeof state.pending.batchId === 'string' ? state.pending : null,
  };
}

function tombstone(change: LedgerChange): LedgerRecord {
  const [provider = '', stream = ''] = change.id.split(':');
  return {
    id: change.id,
    connection: change.connection,
    provider,
    stream,
    kind: 'transaction',
    amount: 0,
    currency: null,
    occurredAt: new Date(0).toISOString(),
    description: '',
    counterparty: null,
    status: 'deleted',
    moneyMovement: false,
    raw: { type: 'deleted', id: change.id },
  };
}

export function toPublishRows(changes: readonly LedgerChange[]): PublishRow[] {
  return changes.map((change) => ({
    record: change.record ?? tombstone(change),
    version: change.seq,
    deleted: change.record === null,
  }));
}

export async function publishChanges(input: {
  readonly store: Store;
  readonly log: Logger;
  readonly destination: string;
  readonly publisher: Publisher;
  readonly signal?: AbortSignal;
}): Promise<PublishResult> {
  const { store, publisher, destination } = input;
  const save = (state: PublishState) => store.saveCursor(destination, PUBLISH_STREAM, { ...state });
  let state = parseState(await store.getCursor(destination, PUBLISH_STREAM));
  const dataset = await publisher.prepare();
  if (state.datasetId !== null && state.datasetId !== dataset.datasetId) {
    // The dataset was deleted and created anew: it holds nothing of ours, so publish everything again.
    input.log.warn('destination dataset changed; publishing the whole ledger again', { destination });
    state = { seq: 0, datasetId: dataset.datasetId, pending: null };
    await save(state);
  } else if (state.datasetId === null) {
    state = { ...state, datasetId: dataset.datasetId };
  }
  if (state.pending && (await publisher.batchLanded('records', state.pending.batchId))) {
    state = { ...state, seq: state.pending.toSeq, pending: null };
    await save(state);
  }
  let pushed = 0;
  let batches = 0;
  // A pending batch that did not land is pushed again: the same range, so the same id.
  const read = async (afterSeq: number, upTo: number) =>
    (await store.changesSince(afterSeq, publisher.maxRowsPerPush)).filter((c) => c.seq <= upTo);
  let changes = await read(state.seq, state.pending?.toSeq ?? Number.POSITIVE_INFINITY);
  while (changes.length > 0 && !input.signal?.aborted) {
    const toSeq = changes[changes.length - 1]!.seq;
    const batchId = `${destination}:${state.seq + 1}-${toSeq}`;
    state = { ...state, pending: { batchId, toSeq } };
    await save(state);
    const pushing = publisher.push('records', toPublishRows(changes), batchId);
    pushing.catch(() => undefined);
    // While the push is on the wire, read the next range (a read changes no state). Two turns of the event
    // loop first, so the request has left before the synchronous read starts.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const next = await read(toSeq, Number.POSITIVE_INFINITY);
    await pushing;
    state = { ...state, seq: toSeq, pending: null };
    await save(state);
    pushed += changes.length;
    batches++;
    changes = next;
  }
  return { pushed, batches, datasetLabel: dataset.label };
}
