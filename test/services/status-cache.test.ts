/**
 * `/finsync status` keeps its last report between changes; a change made by another OS process (the CLI,
 * another worker) on the same store is in the next report all the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN, connectStripe, type Harness, startHarness } from '../helpers/app-harness.ts';
import type { StoreOp } from '../store/store-child.ts';
import { runCli } from '../sync/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let h: Harness;

function otherProcess(ops: readonly StoreOp[]): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/store/store-child.ts'), h.dataDir, JSON.stringify(ops)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`store child exited ${code}`)))),
  );
}

const line = async (name: string) => (await h.app.finsync.status()).connections.find((c) => c.name === name);

describe('the status report across processes', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 20 } } });
    await connectStripe(h);
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('a label, records and a schedule changed by other processes show in the next report', async () => {
    assert.equal((await line('stripe'))?.accountLabel.includes('renamed'), false);
    assert.equal((await line('stripe'))?.records, 0);

    await otherProcess([{ op: 'label', connection: 'stripe', prefix: 'renamed-', times: 1 }]);
    assert.equal((await line('stripe'))?.accountLabel, 'renamed-0');

    await otherProcess([
      {
        op: 'apply',
        page: {
          connection: 'stripe',
          stream: 'customers',
          records: [
            {
              id: 'stripe:customers:cus_other',
              connection: 'stripe',
              provider: 'stripe',
              stream: 'customers',
              kind: 'customer',
              amount: 0,
              currency: null,
              occurredAt: '2026-01-01T00:00:00.000Z',
              description: 'Other',
              counterparty: 'Other',
              status: 'active',
              moneyMovement: false,
              raw: { type: 'customer', id: 'cus_other' },
            },
          ],
          removedIds: [],
          cursor: undefined,
        },
      },
    ]);
    assert.equal((await line('stripe'))?.records, 1);

    const cli = await runCli(['schedule', 'stripe', 'hourly'], { ...h.env, LOG_LEVEL: 'warn' });
    assert.equal(cli.code, 0, cli.stderr);
    const scheduled = await line('stripe');
    assert.equal(scheduled?.schedule, 'hourly');
    assert.ok(scheduled?.nextRunAt instanceof Date);
  });

  test('a sync in this process shows as running, then with its result', async () => {
    const { run, done } = await h.app.core.engine.start({
      connection: 'stripe',
      trigger: 'manual',
      triggeredBy: ADMIN,
    });
    const during = await line('stripe');
    assert.ok(during?.health === 'running' || during?.lastRun?.id === run.id);
    await done;
    const afterRun = await line('stripe');
    assert.equal(afterRun?.lastRun?.id, run.id);
    assert.equal(afterRun?.health, 'healthy');
    assert.ok((afterRun?.records ?? 0) > 1);
  });

  test('each answer is stamped with its own time', async () => {
    const first = await h.app.finsync.status();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await h.app.finsync.status();
    assert.ok(second.generatedAt.getTime() > first.generatedAt.getTime());
    assert.deepEqual(second.connections, first.connections);
  });
});
