/** Small factories and waits shared by the scheduler tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agenda, type JobParameters } from 'agenda';
import { SqliteAgendaBackend } from '../../src/store/embedded/jobs/sqlite-backend.ts';
import type { SqliteDatabase } from '../../src/store/sqlite.ts';

export function jobInput(overrides: Partial<JobParameters> = {}): JobParameters {
  return { name: 'test-job', priority: 0, nextRunAt: new Date(), type: 'normal', data: {}, ...overrides };
}

export const secondsAgo = (s: number): Date => new Date(Date.now() - s * 1000);
export const secondsAhead = (s: number): Date => new Date(Date.now() + s * 1000);

/** getNextJobToRun's other arguments as Agenda passes them: next scan in 5 s, a 10-minute lock lifetime. */
export const claimWindow = () => [secondsAhead(5), secondsAgo(600), new Date(), undefined] as const;

/** A temp folder removed by the returned cleanup; each test gets its own database file. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-scheduler-'));
  return {
    dir,
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * An Agenda on the SQLite backend, tuned for tests: polls every 50 ms (a number: '50 milliseconds' would
 * be read as 50 s, NOTES.md) and a 1 s lock lifetime, so the keep-alive timer Agenda starts for each
 * running job (half the lock lifetime, not unref'd) cannot hold the test process for long.
 */
export function testAgenda(db: SqliteDatabase, name = 'test'): Agenda {
  return new Agenda({
    backend: new SqliteAgendaBackend({ db }),
    name,
    processEvery: 50,
    defaultLockLifetime: 1000,
  });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
