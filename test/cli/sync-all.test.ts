/**
 * `npx finsync sync all` (a child process on the app's data folder) prints one line per connection as each
 * ends (name, status, records, duration or the error), then a summary, and exits non-zero when one failed;
 * `--json` prints one array.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { SyncRun } from '../../src/store/types.ts';
import {
  closeEmulators,
  connectQuickBooks,
  connectStripe,
  type Harness,
  startHarness,
} from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

let h: Harness;

describe('a CLI sync of all connections', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 80 } } });
    const [books, booksEu] = h.quickbooks.control.realmIds;
    await connectStripe(h);
    await connectQuickBooks(h, books!, 'books');
    await connectQuickBooks(h, booksEu!, 'books-eu');
    h.quickbooks.control.expireAccessTokens(booksEu);
    h.quickbooks.control.revokeRefreshTokens(booksEu);
    // The CLI is the only process on the folder: stop the app, keep its data and the emulators.
    await h.app.stop();
  });
  after(async () => {
    await closeEmulators(h);
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('prints each connection’s result on one line and exits 1 when one failed', {
    timeout: 60_000,
  }, async () => {
    const cli = await runCli(['sync', 'all'], { ...h.env, LOG_LEVEL: 'error' });
    assert.equal(cli.code, 1, cli.stderr);
    const lines = cli.stdout.trim().split('\n');
    assert.equal(lines.length, 4, cli.stdout);
    const line = (name: string) => lines.find((l) => l.includes(`${name}:`) && !l.includes(`${name}-`)) ?? '';
    assert.match(line('stripe'), /^stripe: succeeded · [\d,]+ records in (under 1 s|\d+ s)/);
    assert.match(line('books'), /^books: succeeded · [\d,]+ records in (under 1 s|\d+ s)/);
    assert.match(
      line('books-eu'),
      /books-eu.*: failed in (under 1 s|\d+ s): credentials refused: .*refresh token/,
    );
    assert.match(lines.at(-1)!, /3 of 3 syncs done, 1 failed/);
  });

  test('--json prints one array of the runs', { timeout: 60_000 }, async () => {
    const cli = await runCli(['sync', 'all', '--json'], { ...h.env, LOG_LEVEL: 'error' });
    assert.equal(cli.code, 1, cli.stderr);
    const runs = JSON.parse(cli.stdout) as SyncRun[];
    assert.deepEqual(runs.map((r) => [r.connection, r.status]).sort(), [
      ['books', 'success'],
      ['books-eu', 'failed'],
      ['stripe', 'success'],
    ]);
  });
});
