import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { EMULATOR_SECRET_KEY, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';

const root = join(import.meta.dirname, '..', '..');

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('SIGTERM during a sync: the run stops at a committed page, nothing is left running, and the process exits 0', async () => {
  const slack = await startSlackEmulator({ botToken: 'xoxb-shutdown-test' });
  const stripe = await startStripeEmulator({ count: 60_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'finsync-shutdown-'));
  const env = {
    PATH: process.env['PATH'] ?? '',
    SLACK_BOT_TOKEN: 'xoxb-shutdown-test',
    SLACK_SIGNING_SECRET: 'shutdown-secret',
    SLACK_API_URL: slack.url,
    PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
    FINSYNC_DATA_DIR: dataDir,
    FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINSYNC_ADMINS: 'UADMIN',
    STRIPE_API_BASE: stripe.url,
    LOG_LEVEL: 'warn',
  };
  const tsx = import.meta.resolve('tsx');
  let child: ChildProcess | undefined;
  try {
    // Connect through the CLI (the same services), then start the server and sync from Slack.
    const connect = spawn(
      process.execPath,
      [join(root, 'bin/finsync.js'), 'connect', 'stripe', '--set', `api_key=${EMULATOR_SECRET_KEY}`],
      { env },
    );
    assert.equal(await new Promise((resolve) => connect.on('exit', resolve)), 0);
    child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const target = { url: `http://127.0.0.1:${env.PORT}`, signingSecret: env.SLACK_SIGNING_SECRET };
    await waitFor(
      async () => ((await fetch(`${target.url}/healthz`).catch(() => null))?.ok ? true : undefined),
      20_000,
      'the app to listen',
    );
    await sendSlashCommand(target, {
      text: 'sync stripe',
      userId: 'UADMIN',
      responseUrl: slack.responseUrl('sync'),
    });
    const db = new Database(join(dataDir, 'finsync.db'), { readonly: true });
    const storedAtSigterm = await waitFor(
      () => {
        const row = db
          .prepare("SELECT count(DISTINCT raw_id) AS n FROM records WHERE stream = 'balance_transactions'")
          .get() as { n: number };
        return row.n >= 2_000 ? row.n : undefined;
      },
      20_000,
      'the sync to store some pages',
    );
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child!.on('exit', resolve));
    assert.equal(code, 0, stderr);
    const runs = db.prepare('SELECT status FROM runs').all() as { status: string }[];
    db.close();
    assert.equal(runs.length, 1);
    const total = stripe.control.counts().balance_transactions;
    assert.ok(storedAtSigterm < total, 'SIGTERM arrived mid-sync');
    assert.equal(runs[0]!.status, 'cancelled', 'stopped at a committed page, recorded as cancelled');

    // The next run resumes from the committed cursor and ends with every object exactly once: each balance
    // transaction as its record, plus its fee record when Stripe took a fee.
    const resume = spawn(process.execPath, [join(root, 'bin/finsync.js'), 'sync', 'stripe', '--json'], {
      env,
    });
    assert.equal(await new Promise((resolve) => resume.on('exit', resolve)), 0);
    const check = new Database(join(dataDir, 'finsync.db'), { readonly: true });
    const stored = check
      .prepare(
        "SELECT count(*) AS n, count(DISTINCT id) AS d, count(DISTINCT raw_id) AS objects FROM records WHERE stream = 'balance_transactions'",
      )
      .get() as { n: number; d: number; objects: number };
    check.close();
    const { data } = stripe.control;
    let withFee = 0;
    for (let p = 0; p < total; p++)
      if (data.money(data.indexAt('balance_transactions', p)).fee !== 0) withFee++;
    assert.equal(stored.n, stored.d);
    assert.equal(stored.objects, total);
    assert.equal(stored.n, total + withFee);
  } finally {
    child?.kill('SIGKILL');
    await Promise.all([slack.close(), stripe.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
