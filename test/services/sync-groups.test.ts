/**
 * A `sync all` group's progress lives in the store: jobs ending in other OS processes each record their
 * connection without reverting another's, and the reports they claim stay within Slack's 5 posts per
 * response_url with the final one always kept.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SyncStart } from '../../src/services/finsync.ts';
import {
  decideReport,
  MAX_REPORTS,
  MIN_REPORT_INTERVAL_MS,
  type SyncGroup,
  SyncGroups,
} from '../../src/services/sync-groups.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

const queued = (...names: string[]): SyncStart[] =>
  names.map((connection) => ({ connection, outcome: 'queued' }));

function group(entries: SyncGroup['entries'], reports: Partial<SyncGroup['reports']> = {}): SyncGroup {
  return {
    id: 'g',
    createdAt: new Date(0).toISOString(),
    requestedBy: 'U1',
    entries,
    version: 2,
    reports: { used: 0, lastAt: 0, shownVersion: 0, inFlight: null, ...reports },
  };
}
const ended = (connection: string) =>
  ({
    connection,
    state: 'ended',
    run: {
      id: connection,
      status: 'success',
      records: 1,
      startedAt: '',
      endedAt: '',
      errorClass: null,
      errorMessage: null,
    },
  }) as const;

function child(dataDir: string, groupId: string, connection: string): Promise<string> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'sync-group-child.ts'), dataDir, groupId, connection],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  return new Promise((resolve, reject) =>
    proc.on('close', (code) =>
      code === 0 ? resolve(stdout.trim()) : reject(new Error(stderr.slice(0, 1500))),
    ),
  );
}

describe('sync groups', () => {
  test('an intermediate report waits for the interval and keeps the last post for the final one', () => {
    const running = group([ended('a'), { connection: 'b', state: 'queued' }], {
      used: 1,
      lastAt: 1_000,
      shownVersion: 1,
    });
    assert.deepEqual(decideReport(running, 1_500, 't').decision, {
      kind: 'wait',
      ms: MIN_REPORT_INTERVAL_MS - 500,
    });
    assert.equal(decideReport(running, 1_000 + MIN_REPORT_INTERVAL_MS, 't').decision.kind, 'report');
    const lastLeft = group(running.entries, { used: MAX_REPORTS - 1, lastAt: 0, shownVersion: 1 });
    assert.equal(decideReport(lastLeft, 100_000, 't').decision.kind, 'none', 'kept for the final state');
    const final = group([ended('a'), ended('b')], { used: MAX_REPORTS - 1, lastAt: 99_999, shownVersion: 1 });
    assert.deepEqual(
      (({ kind, final }) => ({ kind, final }))(
        decideReport(final, 100_000, 't').decision as { kind: string; final: boolean },
      ),
      { kind: 'report', final: true },
      'the final state is posted at once, with the post kept for it',
    );
    const shown = decideReport(final, 100_000, 't').next;
    assert.equal(
      decideReport(shown, 100_001, 'u').decision.kind,
      'wait',
      'nothing while a report is in flight',
    );
  });

  test('jobs ending in other processes each record their result; one final report, at most 5 in all', {
    timeout: 60_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'finsync-group-'));
    const store = await EmbeddedStore.open(dataDir);
    try {
      const groups = new SyncGroups(store, () => new Date());
      const names = ['s1', 's2', 's3', 's4-bad', 's5', 's6'];
      await groups.create('grp', 'U1', queued(...names));
      // The command's own answer is the first report.
      const answer = await groups.claimReport('grp');
      assert.equal(answer.kind, 'report');
      if (answer.kind === 'report') await groups.releaseReport('grp', answer.token);

      const decisions = (await Promise.all(names.map((name) => child(dataDir, 'grp', name)))).map(
        (line) => JSON.parse(line) as { kind: string; final?: boolean },
      );
      const stored = await groups.get('grp');
      assert.deepEqual(
        stored?.entries.map((e) => [e.connection, e.state]),
        names.map((n) => [n, 'ended']),
        'no process reverted another’s result',
      );
      const reports = decisions.filter((d) => d.kind === 'report');
      assert.ok(reports.length + 1 <= MAX_REPORTS);
      assert.equal(stored?.reports.used, reports.length + 1);
      // The final state is shown once: now, or by the process that waits for the report in flight.
      const finals = reports.filter((d) => d.final).length;
      if (finals === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const late = await groups.claimReport('grp');
        assert.equal(late.kind, 'wait', 'a report in flight holds the final one back until released');
      } else assert.equal(finals, 1);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
