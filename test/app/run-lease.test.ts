/**
 * A sync running in another process (here a real OS process holding the connection's lease, as
 * `npx finsync sync` does) is seen by every trigger of the app and the CLI, and by the app's start-up.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, connectStripe, type Harness, startHarness } from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let h: Harness;
let n = 0;

/** A process that starts a CLI run of `connection` and holds its lease until killed. */
async function holdRun(connection: string, ttlMs: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'test/store/store-child.ts'),
      h.dataDir,
      JSON.stringify([{ op: 'holdRun', connection, ttlMs }]),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => line === 'held' && resolve());
    child.on('exit', (code) => reject(new Error(`the holder exited ${code}`)));
  });
  return {
    kill: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

async function slash(text: string): Promise<string> {
  const id = `lease${++n}`;
  await sendSlashCommand(h.target, { text, userId: ADMIN, responseUrl: h.slack.responseUrl(id) });
  return JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
}

describe('a sync running in another process', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 50 } } });
    await connectStripe(h);
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('Slack and the CLI answer "already running since … (started from the CLI …)"; start-up leaves it alone; once its holder is killed and the lease lapses, the next sync runs', {
    timeout: 60_000,
  }, async () => {
    const holder = await holdRun('stripe', 1_500);
    try {
      const answer = await slash('sync stripe');
      assert.match(answer, /already running since .*started from the CLI, cli pid \d+ on /);
      assert.doesNotMatch(answer, /sync started/);

      const cli = await runCli(['sync', 'stripe'], { ...h.env, LOG_LEVEL: 'warn' });
      assert.equal(cli.code, 1, cli.stderr);
      assert.match(
        cli.stdout.replace(/\s+/g, ' '),
        /stripe is already running since .* \(started from the CLI, cli pid \d+ on /,
      );

      // What the app does at start-up: runs of a live process are not orphans.
      assert.equal(await h.app.store.closeOrphanRuns('finsync stopped'), 0);
      assert.equal((await h.app.store.activeRun('stripe'))?.trigger, 'cli');
    } finally {
      await holder.kill();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    const run = await h.app.finsync.runJob({
      connection: 'stripe',
      trigger: 'manual',
      triggeredBy: ADMIN,
      notify: { kind: 'none' },
    });
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const [latest, killed] = await h.app.store.listRuns('stripe', 2);
    assert.equal(latest?.id, run.id);
    assert.equal(killed?.status, 'failed');
    assert.match(killed?.errorMessage ?? '', /stopped renewing its lease/);
  });
});
