/**
 * The Home tab's cash line keeps its local day between opens (CashService.homeReport) and must still move to
 * the next day at local midnight, in the team's zone, with no ledger or connection change to force it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Roles } from '../../src/security/roles.ts';
import { CashService } from '../../src/services/cash.ts';
import { openStore } from '../../src/store/open-store.ts';
import { record } from '../store/contract/harness.ts';

test("the Home cash line moves to the next day at the team's local midnight", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-cash-home-'));
  const store = await openStore({ dataDir: dir, mongodbUri: undefined });
  try {
    // 11:00 in New York on 10 March 2026.
    await store.applyPage({
      connection: 'stripe',
      stream: 'balance_transactions',
      records: [record('a', 1234, { occurredAt: '2026-03-10T15:00:00.000Z' })],
      removedIds: [],
      cursor: { since: 1 },
    });
    let now = new Date('2026-03-11T03:59:00.000Z'); // 23:59 on the 10th in New York (EDT, UTC-4)
    const cash = new CashService({
      store,
      roles: { canSeeMoney: async () => true } as unknown as Roles,
      timezone: 'America/New_York',
      now: () => now,
      audit: async () => undefined,
      credentialsOf: () => {
        throw new Error('no credentials in this test');
      },
      connectorContext: () => {
        throw new Error('no provider calls in this test');
      },
    });
    const net = (report: Awaited<ReturnType<CashService['homeReport']>>) =>
      report?.systems.find((s) => s.connection === 'stripe')?.totals.find((t) => t.currency === 'USD')?.net ??
      0n;

    const evening = await cash.homeReport('U1');
    assert.equal(evening?.from, '2026-03-10');
    assert.equal(net(evening), 1234n);
    assert.equal(await cash.homeReport('U1'), evening, 'the same day and ledger: the kept report');

    now = new Date('2026-03-11T04:01:00.000Z'); // 00:01 on the 11th in New York
    const morning = await cash.homeReport('U1');
    assert.equal(morning?.from, '2026-03-11', 'a new local day, though nothing in the store changed');
    assert.equal(net(morning), 0n);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
