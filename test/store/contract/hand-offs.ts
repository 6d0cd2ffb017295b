/** Link sessions (browser hand-offs) and replay memory: what used to be one process's memory. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredLinkSession } from '../../../src/store/ports/link-sessions.ts';
import { type OpenFreshStore, withStore } from './harness.ts';

const T0 = 1_800_000_000_000;
const session = (overrides: Partial<StoredLinkSession> = {}): StoredLinkSession => ({
  userId: 'U1',
  provider: 'plaid',
  name: 'plaid',
  purpose: 'connect',
  viewId: null,
  expiresAt: T0 + 15 * 60_000,
  ...overrides,
});

export function handOffRules(open: OpenFreshStore): void {
  describe('link sessions', () => {
    test(
      'a session is peeked without being used up, taken once across processes, and gone when expired',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.linkSessions.put('state-1', session());
        assert.deepEqual(await other.linkSessions.peek('state-1', T0), session());
        assert.deepEqual(await other.linkSessions.peek('state-1', T0), session(), 'peek uses nothing up');
        assert.equal(await other.linkSessions.setViewId('state-1', 'V1'), true);
        const takes = await Promise.all([
          store.linkSessions.take('state-1', T0),
          other.linkSessions.take('state-1', T0),
        ]);
        assert.deepEqual(
          takes.filter(Boolean),
          [session({ viewId: 'V1' })],
          'exactly one taker gets it, with its view',
        );
        assert.equal(await store.linkSessions.peek('state-1', T0), null);
        assert.equal(await store.linkSessions.setViewId('state-1', 'V2'), false);

        await store.linkSessions.put('state-2', session());
        const expired = T0 + 15 * 60_000;
        assert.equal(await other.linkSessions.peek('state-2', expired), null, 'expired at expiresAt');
        assert.equal(await other.linkSessions.take('state-2', expired), null);
        assert.equal(await store.linkSessions.take('unknown', T0), null);
      }),
    );

    test(
      'a session holding a choice keeps it, is taken once only as pending (never by a replayed callback), and expires with its state',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const waiting = session({ provider: 'sage', name: 'sage', pending: 'sealed-tokens' });
        await store.linkSessions.put('state-3', waiting);
        assert.deepEqual(
          await other.linkSessions.peek('state-3', T0),
          waiting,
          'the sealed text comes back whole',
        );
        assert.equal(
          await other.linkSessions.take('state-3', T0),
          null,
          'a replayed callback cannot take it',
        );
        const takes = await Promise.all([
          store.linkSessions.takePending('state-3', T0),
          other.linkSessions.takePending('state-3', T0),
        ]);
        assert.deepEqual(takes.filter(Boolean), [waiting], 'a double submit: exactly one taker gets it');
        assert.equal(await store.linkSessions.peek('state-3', T0), null);

        await store.linkSessions.put('state-4', session());
        assert.equal(await other.linkSessions.takePending('state-4', T0), null, 'nothing pending to take');
        assert.ok(await other.linkSessions.peek('state-4', T0), 'and it is left alone');
        await store.linkSessions.put('state-5', session({ pending: 'sealed' }));
        assert.equal(await other.linkSessions.takePending('state-5', T0 + 15 * 60_000), null, 'expired');
      }),
    );

    test(
      'expired sessions are purged; live ones stay',
      withStore(open, async ({ store }) => {
        await store.linkSessions.put('old', session({ expiresAt: T0 }));
        await store.linkSessions.put('new', session({ expiresAt: T0 + 60_000 }));
        assert.equal(await store.linkSessions.purgeExpired(T0 + 1), 1);
        assert.ok(await store.linkSessions.peek('new', T0 + 1));
      }),
    );
  });

  describe('replay memory', () => {
    test(
      'a key is claimed once within its window, across processes; release frees it; the window ends',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const claims = await Promise.all([
          store.replays.claim('webhook:stripe:evt_1', 600_000, T0),
          other.replays.claim('webhook:stripe:evt_1', 600_000, T0),
        ]);
        assert.deepEqual(claims.sort(), [false, true]);
        assert.equal(await store.replays.claim('webhook:stripe:evt_1', 600_000, T0 + 599_999), false);
        assert.equal(
          await store.replays.claim('webhook:stripe:evt_2', 600_000, T0),
          true,
          'keys are separate',
        );
        await other.replays.release('webhook:stripe:evt_2');
        assert.equal(await store.replays.claim('webhook:stripe:evt_2', 600_000, T0), true, 'released');
        assert.equal(
          await other.replays.claim('webhook:stripe:evt_1', 600_000, T0 + 600_000),
          true,
          'the window ended',
        );
        assert.equal(await store.replays.claim('webhook:stripe:evt_1', 600_000, T0 + 600_001), false);
      }),
    );

    test(
      'expired keys are purged; live ones are still remembered',
      withStore(open, async ({ store }) => {
        await store.replays.claim('a', 1_000, T0);
        await store.replays.claim('b', 5_000, T0);
        assert.equal(await store.replays.purgeExpired(T0 + 2_000), 1);
        assert.equal(await store.replays.claim('b', 5_000, T0 + 2_000), false);
        assert.equal(await store.replays.claim('a', 5_000, T0 + 2_000), true);
      }),
    );
  });
}
