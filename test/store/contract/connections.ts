/** Connections and their sealed credentials; settings and audit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccountConnectedError, ConflictError, NotFoundError } from '../../../src/errors.ts';
import { connection, type OpenFreshStore, record, withStore } from './harness.ts';

export function connectionRules(open: OpenFreshStore): void {
  describe('connections', () => {
    test(
      'a connection is created once, read back with its sealed credentials, and a taken name conflicts',
      withStore(open, async ({ store }) => {
        const stripe = connection('stripe');
        await store.createConnection(stripe);
        assert.deepEqual(await store.getConnection('stripe'), stripe);
        await assert.rejects(store.createConnection(connection('stripe')), ConflictError);
        await store.createConnection(connection('stripe-2'));
        assert.deepEqual(
          (await store.listConnections()).map((c) => c.name),
          ['stripe', 'stripe-2'],
        );
        assert.equal(await store.getConnection('nope'), undefined);
      }),
    );

    test(
      'one provider account, one connection: a second connection of it is refused naming the holder, whichever process writes it',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.createConnection(connection('stripe', { accountId: 'acct_1' }));
        const refused = await other
          .createConnection(connection('stripe-2', { accountId: 'acct_1' }))
          .then(() => assert.fail('expected AccountConnectedError'))
          .catch((error: unknown) => error);
        assert.ok(refused instanceof AccountConnectedError);
        assert.equal(refused.holder, 'stripe');
        // Another account, another provider with the same id, and connections without an account id all pass.
        await other.createConnection(connection('stripe-2', { accountId: 'acct_2' }));
        await other.createConnection(connection('plaid', { provider: 'plaid', accountId: 'acct_1' }));
        await store.createConnection(connection('stripe-3'));
        await store.createConnection(connection('stripe-4'));
        assert.deepEqual(
          (await store.listConnections()).map((c) => c.name),
          ['stripe', 'stripe-2', 'plaid', 'stripe-3', 'stripe-4'],
        );
      }),
    );

    test(
      'modifyConnection sees what another process wrote, and their updates never revert each other',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.createConnection(connection('stripe'));
        await other.updateConnection('stripe', { accountLabel: 'from the other process' });
        const seen: string[] = [];
        const after = await store.modifyConnection('stripe', (current) => {
          seen.push(current.accountLabel);
          return { state: 'needs_reconnect', stateReason: 'revoked' };
        });
        assert.deepEqual(seen, ['from the other process']);
        assert.equal(after.accountLabel, 'from the other process');
        assert.equal((await other.getConnection('stripe'))?.state, 'needs_reconnect');
        const unchanged = await store.modifyConnection('stripe', () => null);
        assert.equal(unchanged.state, 'needs_reconnect');
        await assert.rejects(
          store.modifyConnection('nope', () => null),
          NotFoundError,
        );
      }),
    );

    test(
      'removing a connection removes its credentials and cursors, and its records only when asked',
      withStore(open, async ({ store }) => {
        await store.createConnection(connection('stripe'));
        await store.applyPage({
          connection: 'stripe',
          stream: 'balance_transactions',
          records: [record('a', 1), record('b', 2)],
          removedIds: [],
          cursor: { since: 1 },
        });
        assert.deepEqual(await store.removeConnection('stripe', { deleteRecords: false }), {
          recordsDeleted: 0,
        });
        assert.equal(await store.getConnection('stripe'), undefined);
        assert.equal(await store.getCursor('stripe', 'balance_transactions'), null);
        assert.equal(await store.countRecords('stripe'), 2, 'records kept');
        await store.createConnection(connection('stripe'));
        assert.deepEqual(await store.removeConnection('stripe', { deleteRecords: true }), {
          recordsDeleted: 2,
        });
        assert.equal(await store.countRecords('stripe'), 0);
        await assert.rejects(store.removeConnection('stripe', { deleteRecords: true }), NotFoundError);
      }),
    );
  });

  describe('settings and audit', () => {
    test(
      'settings are read back; modifySetting from two processes at once loses no change',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        assert.equal(await store.getSetting('alerts'), undefined);
        await store.setSetting('alerts', { channel: 'C1' });
        assert.deepEqual(await other.getSetting('alerts'), { channel: 'C1' });
        const add = (s: typeof store) => s.modifySetting<number>('count', (n) => (n ?? 0) + 1);
        await Promise.all(Array.from({ length: 20 }, (_, i) => add(i % 2 === 0 ? store : other)));
        assert.equal(await store.getSetting<number>('count'), 20);
        assert.equal(await other.modifySetting<number>('count', (n) => (n ?? 0) * 2), 40);
      }),
    );

    test(
      'audit entries come back newest first, as many as asked',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        for (const [i, s] of [store, other, store].entries()) {
          await s.appendAudit({
            at: `2026-01-0${i + 1}T00:00:00.000Z`,
            actor: `U${i}`,
            action: 'sync',
            connection: i === 1 ? null : 'stripe',
            outcome: i === 2 ? 'refused' : 'ok',
            detail: i === 0 ? 'first' : null,
          });
        }
        const entries = await store.listAudit(10);
        assert.deepEqual(
          entries.map((e) => e.actor),
          ['U2', 'U1', 'U0'],
        );
        assert.deepEqual(entries[2], {
          at: '2026-01-01T00:00:00.000Z',
          actor: 'U0',
          action: 'sync',
          connection: 'stripe',
          outcome: 'ok',
          detail: 'first',
        });
        assert.equal((await store.listAudit(2)).length, 2);
      }),
    );
  });
}
