/** The outbox queue, as the sender uses it (src/notify/outbox.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRequestError } from '../../../src/errors.ts';
import type { NewOutboxItem } from '../../../src/store/ports/outbox.ts';
import { type OpenFreshStore, withStore } from './harness.ts';

const T0 = Date.parse('2026-01-02T05:00:00.000Z');

const post = (key: string, channel = 'C1', dependsOn: string[] = []): NewOutboxItem => ({
  key,
  channel,
  method: 'chat.postMessage',
  args: {
    channel,
    text: key,
    ...(dependsOn[0] ? { thread_ts: { fromKey: dependsOn[0] } } : {}),
  },
  dependsOn,
});

export function outboxRules(open: OpenFreshStore): void {
  describe('outbox', () => {
    test(
      'enqueue is idempotent by key, in any process; references that loop are refused',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        assert.equal(await store.outbox.insert(post('a'), T0), true);
        assert.equal(await other.outbox.insert(post('a', 'C2'), T0 + 1), false);
        const a = await other.outbox.get('a');
        assert.equal(a?.channel, 'C1', 'the first enqueue stands');
        assert.equal(a?.state, 'pending');
        assert.equal(a?.attempts, 0);
        assert.equal(a?.unconfirmed, false);
        assert.equal(a?.enqueuedAt, new Date(T0).toISOString());
        assert.deepEqual(a?.args, { channel: 'C1', text: 'a' });
        assert.equal(await store.outbox.insert(post('b', 'C1', ['c']), T0), true);
        await assert.rejects(store.outbox.insert(post('c', 'C1', ['b']), T0), InvalidRequestError);
        assert.equal(await store.outbox.get('c'), undefined);
      }),
    );

    test(
      'pending lists messages in order with the state of what they wait for',
      withStore(open, async ({ store }) => {
        await store.outbox.insert(post('parent'), T0);
        await store.outbox.insert(post('reply', 'C1', ['parent']), T0);
        await store.outbox.insert(post('dm', 'U1'), T0);
        await store.outbox.insert(post('orphan', 'C2', ['never']), T0);
        const pending = await store.outbox.pending();
        assert.deepEqual(
          pending.map((p) => [p.key, p.channel, p.waitingOn]),
          [
            ['parent', 'C1', []],
            ['reply', 'C1', [{ key: 'parent', state: 'pending', error: null }]],
            ['dm', 'U1', []],
            ['orphan', 'C2', [{ key: 'never', state: null, error: null }]],
          ],
        );
        assert.ok(pending.every((p, i) => i === 0 || p.seq > pending[i - 1]!.seq));
      }),
    );

    test(
      'a message is claimed by one sender; delivery records the result its replies refer to',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.outbox.insert(post('parent'), T0);
        await store.outbox.insert(post('reply', 'C1', ['parent']), T0);
        const [head] = await store.outbox.pending();
        const claims = await Promise.all([
          store.outbox.claim(head!.seq, T0 + 10),
          other.outbox.claim(head!.seq, T0 + 10),
        ]);
        assert.equal(claims.filter(Boolean).length, 1, 'exactly one claim wins');
        const claimed = claims.find(Boolean)!;
        assert.equal(claimed.state, 'sending');
        assert.equal(claimed.firstClaimedAt, T0 + 10);
        assert.equal(claimed.transientFailures, 0);
        assert.equal(await store.outbox.resultOf('parent'), undefined);
        await store.outbox.delivered(head!.seq, { ts: '111.222', channel: 'C1' }, T0 + 20, true);
        assert.deepEqual(await other.outbox.resultOf('parent'), { ts: '111.222', channel: 'C1' });
        const delivered = await other.outbox.get('parent');
        assert.equal(delivered?.state, 'delivered');
        assert.equal(delivered?.attempts, 1);
        assert.equal(delivered?.ts, '111.222');
        assert.equal(delivered?.deliveredAt, new Date(T0 + 20).toISOString());
        assert.equal(await other.outbox.lastAttemptAt('C1'), T0 + 20);
        const [reply] = await store.outbox.pending();
        assert.deepEqual(reply?.waitingOn, [], 'a delivered reference is not waited for');
        assert.equal((await store.outbox.lastDelivered('par'))?.key, 'parent');
        assert.equal(await store.outbox.lastDelivered('reply'), undefined);
      }),
    );

    test(
      'a retried message is pending again after its delay and remembers an unsure attempt; a failure is final',
      withStore(open, async ({ store }) => {
        await store.outbox.insert(post('a'), T0);
        await store.outbox.insert(post('b', 'C2'), T0);
        const [a, b] = await store.outbox.pending();
        await store.outbox.claim(a!.seq, T0);
        await store.outbox.retryLater(a!.seq, T0 + 5, {
          notBefore: T0 + 1_000,
          error: 'service_unavailable',
          transient: true,
          unsure: true,
        });
        const again = await store.outbox.pending();
        assert.equal(again.find((p) => p.key === 'a')?.notBefore, T0 + 1_000);
        const reclaimed = await store.outbox.claim(a!.seq, T0 + 1_000);
        assert.equal(reclaimed?.transientFailures, 1);
        assert.equal(reclaimed?.firstClaimedAt, T0, 'the first claim is kept');
        assert.equal(reclaimed?.unconfirmed, true);
        assert.equal(reclaimed?.attempts, 1);
        await store.outbox.claim(b!.seq, T0);
        const failed = await store.outbox.fail(b!.seq, 'channel_not_found', T0 + 7, true);
        assert.equal(failed?.state, 'failed');
        assert.equal(failed?.error, 'channel_not_found');
        assert.equal(failed?.failedAt, new Date(T0 + 7).toISOString());
        assert.deepEqual(
          (await store.outbox.failures(10)).map((f) => f.key),
          ['b'],
        );
        assert.deepEqual(await store.outbox.counts(), { pending: 0, sending: 1, delivered: 0, failed: 1 });
      }),
    );

    test(
      'claims left by a stopped sender are pending again, marked unconfirmed',
      withStore(open, async ({ store, openSecond }) => {
        await store.outbox.insert(post('a'), T0);
        const [a] = await store.outbox.pending();
        await store.outbox.claim(a!.seq, T0);
        const restarted = await openSecond();
        assert.equal(await restarted.outbox.recoverClaims(), 1);
        const item = await restarted.outbox.get('a');
        assert.equal(item?.state, 'pending');
        assert.equal(item?.unconfirmed, true);
        assert.equal(await restarted.outbox.recoverClaims(), 0);
      }),
    );
  });
}
