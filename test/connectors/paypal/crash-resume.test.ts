/**
 * SIGKILL of a real sync process at random points of a PayPal full load, then a restart that runs to the
 * end: the stored set equals the emulator's rows exactly (no duplicates, no gaps), although windows are split
 * after RESULTSET_TOO_LARGE and every restart re-reads the overlap. The emulator runs here, in the parent, so
 * it outlives every kill.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { startPayPalEmulator } from '../../../connectors/paypal/emulator.ts';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.ts';
import { KEYRING, removeTempDirs, seeded, tempDir } from '../../sync/helpers.ts';
import { expectedLines, storedLines } from './expected.ts';
import type { PayPalChildConfig, PayPalChildEvent } from './sync-child.ts';

after(removeTempDirs);

const CHILD = join(import.meta.dirname, 'sync-child.ts');
const ROOT = join(import.meta.dirname, '..', '..', '..');

interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: readonly PayPalChildEvent[];
  readonly stderr: string;
}

function runChild(
  config: PayPalChildConfig,
  killWhen?: (e: PayPalChildEvent) => number | undefined,
): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: PayPalChildEvent[] = [];
  let stderr = '';
  let armed = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as PayPalChildEvent;
    events.push(event);
    if (armed || !killWhen) return;
    const delay = killWhen(event);
    if (delay === undefined) return;
    armed = true;
    setTimeout(() => child.kill('SIGKILL'), delay);
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, events, stderr })),
  );
}

describe('a PayPal sync killed at random points and restarted', () => {
  test('6,000 rows over 60 days, windows split, SIGKILL at 4 points, then the exact set', async () => {
    const now = Date.now();
    const emu = await startPayPalEmulator({
      count: 6_000,
      startTime: now - 60 * 86_400_000,
      spanMs: 59 * 86_400_000,
      resultSetLimit: 2_500,
    });
    try {
      const dataDir = tempDir('finsync-paypal-crash-');
      const credentials = {
        client_id: emu.clientId,
        client_secret: emu.clientSecret,
        history_from: new Date(now - 61 * 86_400_000).toISOString().slice(0, 10),
      };
      const setup = await EmbeddedStore.open(dataDir);
      await setup.createConnection({
        name: 'paypal',
        provider: 'paypal',
        accountLabel: 'PayPal test account',
        accountId: null,
        credentials: KEYRING.seal(JSON.stringify(credentials), 'connection:paypal'),
        state: 'active',
        stateReason: null,
        schedule: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: 'UADMIN0001',
      });
      await setup.close();
      const expected = expectedLines(emu.control.ledger, Date.now());
      const config: PayPalChildConfig = { dataDir, apiBase: emu.url, credentials };
      const random = seeded(17);
      const kills: Result[] = [];
      kills.push(await runChild(config, (e) => (e.type === 'start' ? Math.floor(random() * 60) : undefined)));
      for (const target of [0.2, 0.45, 0.7].map((f) => Math.floor(f * expected.length + random() * 200))) {
        let stored = 0;
        const result = await runChild(config, (e) => {
          if (e.type === 'start') stored = e.stored;
          if (e.type === 'progress' && stored + e.records >= target) return Math.floor(random() * 15);
          return undefined;
        });
        assert.equal(
          result.signal,
          'SIGKILL',
          `killed mid-sync (target ${target}): ${result.stderr.slice(0, 500)}`,
        );
        kills.push(result);
      }
      const final = await runChild(config);
      assert.equal(final.code, 0, final.stderr.slice(0, 2000));
      assert.deepEqual(final.events.at(-1), { type: 'done', status: 'success', error: null });

      const store = await EmbeddedStore.open(dataDir);
      try {
        const records = [];
        for await (const record of store.iterateRecords({ connection: 'paypal' })) records.push(record);
        assert.equal(records.length, expected.length, 'no gaps, no duplicates');
        assert.deepEqual(storedLines(records), expected);
        assert.equal(
          await store.countRecords('paypal'),
          expected.length,
          'the record counter survived the kills',
        );
        const runs = await store.listRuns('paypal', 100);
        assert.ok(runs.every((r) => r.status !== 'running'));
        assert.equal(runs[0]?.status, 'success');
      } finally {
        await store.close();
      }
      assert.ok(
        emu.control.requests.some((r) => r.status === 400),
        'some window was split after RESULTSET_TOO_LARGE',
      );
    } finally {
      await emu.close();
    }
  });
});
