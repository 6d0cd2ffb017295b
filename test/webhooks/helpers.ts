/**
 * Shared by the webhook tests: the app harness with a short debounce, posting raw bodies, waiting for the
 * scheduler to go quiet, and reading what was logged.
 */
import assert from 'node:assert/strict';
import { SYNC_NOW_JOB } from '../../src/scheduler/sync-scheduler.ts';
import type { SyncJob } from '../../src/services/finsync.ts';
import type { SyncRun } from '../../src/store/types.ts';
import { type Harness, type HarnessOptions, startHarness } from '../helpers/app-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

export { waitFor };

/** Short enough for tests, longer than the harness's 200 ms scheduler poll. */
export const TEST_DEBOUNCE = { debounceMs: 300, maxWaitMs: 2_000 };

export async function startWebhookHarness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options);
  h.app.finsync.webhookDebounce = TEST_DEBOUNCE;
  return h;
}

export interface Posted {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly ms: number;
}

export async function postWebhook(
  h: Harness,
  provider: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Posted> {
  const started = Date.now();
  const response = await fetch(`${h.target.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, ms: Date.now() - started };
}

/** A body sent in chunks with no content-length, so only counting the bytes read can stop it. */
export async function postStreamed(h: Harness, provider: string, bytes: number): Promise<number> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const response = await fetch(`${h.target.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
  await response.arrayBuffer();
  return response.status;
}

/** Webhook sync jobs stored and not yet started (a started one-off job has no next run). */
export async function pendingWebhookJobs(h: Harness, connection?: string): Promise<SyncJob[]> {
  const jobs = await h.app.core.scheduler.jobs();
  return jobs
    .filter((j) => j.name === SYNC_NOW_JOB && j.nextRunAt !== null)
    .map((j) => j.data as SyncJob)
    .filter((d) => d.trigger === 'webhook' && (connection === undefined || d.connection === connection));
}

/** No webhook job pending and no run active: everything the events asked for has run. */
export async function settle(h: Harness, connection: string, timeoutMs = 4_000): Promise<void> {
  await waitFor(
    `${connection}'s webhook syncs to finish`,
    async () =>
      (await pendingWebhookJobs(h, connection)).length === 0 &&
      h.app.core.engine.activeRun(connection) === undefined &&
      (await h.app.core.scheduler.jobs()).every((j) => (j.data as SyncJob).connection !== connection),
    timeoutMs,
  );
}

export async function runsOf(
  h: Harness,
  connection: string,
  trigger?: SyncRun['trigger'],
): Promise<SyncRun[]> {
  const runs = await h.app.store.listRuns(connection, 1_000);
  return runs.filter((r) => trigger === undefined || r.trigger === trigger);
}

export async function recordIds(h: Harness, connection: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const record of h.app.store.iterateRecords({ connection })) ids.add(record.id);
  return ids;
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

/** Log lines from index `from` on, parsed. */
export function logLinesSince(h: Harness, from: number): LogLine[] {
  return h.logLines.slice(from).map((line) => JSON.parse(line) as LogLine);
}

/** The refusal/replay warn lines logged since `from`. */
export function webhookWarnings(h: Harness, from: number): LogLine[] {
  return logLinesSince(h, from).filter(
    (l) => l.level === 'warn' && /^webhook (refused|replay ignored)$/.test(l.message),
  );
}

/** Each fragment must appear in no log line since `from` (signatures, secrets, bodies). */
export function assertNotLogged(h: Harness, from: number, fragments: readonly string[]): void {
  const text = h.logLines.slice(from).join('\n');
  for (const fragment of fragments) {
    assert.ok(!text.includes(fragment), `the log must not contain ${fragment.slice(0, 24)}…`);
  }
}
