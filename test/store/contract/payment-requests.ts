/** Payment requests: stored once per id, and every state change a compare-and-set across processes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PaymentRequest } from '../../../src/store/ports/payment-requests.ts';
import { type OpenFreshStore, withStore } from './harness.ts';

export function paymentRequest(id: string, overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return {
    id,
    connection: 'stripe',
    amount: 125000,
    currency: 'EUR',
    description: 'Invoice 42',
    requestedBy: 'U1',
    channel: 'C1',
    state: 'creating',
    stateReason: null,
    createdAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-02T03:04:05.000Z',
    needsApproval: false,
    decidedBy: null,
    decidedAt: null,
    linkId: null,
    url: null,
    paymentRef: null,
    paidAt: null,
    received: null,
    fee: null,
    net: null,
    ...overrides,
  };
}

export function paymentRequestRules(open: OpenFreshStore): void {
  describe('payment requests', () => {
    test(
      'a request is stored once per id: the second create returns the first, unchanged',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const first = await store.paymentRequests.create(paymentRequest('pr_1'));
        const again = await other.paymentRequests.create(paymentRequest('pr_1', { amount: 1 }));
        assert.equal(first.created, true);
        assert.equal(again.created, false);
        assert.deepEqual(again.request, paymentRequest('pr_1'));
      }),
    );

    test(
      'a transition applies only from the states named, once, and is seen by the other process',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.paymentRequests.create(paymentRequest('pr_1'));
        const opened = await store.paymentRequests.transition('pr_1', ['creating'], 'open', {
          linkId: 'plink_1',
          url: 'https://pay/1',
        });
        assert.equal(opened?.state, 'open');
        assert.equal((await other.paymentRequests.findByLink('plink_1'))?.id, 'pr_1');
        const paid = await other.paymentRequests.transition('pr_1', ['open'], 'paid', { received: 125000 });
        assert.equal(paid?.received, 125000);
        assert.equal(await store.paymentRequests.transition('pr_1', ['open'], 'paid'), null);
        assert.equal(await store.paymentRequests.transition('pr_unknown', ['open'], 'paid'), null);
        assert.equal((await store.paymentRequests.get('pr_1'))?.state, 'paid');
      }),
    );

    test(
      'requests are listed newest first, by state',
      withStore(open, async ({ store }) => {
        for (const [id, at, state] of [
          ['pr_a', '2026-01-01T00:00:00.000Z', 'open'],
          ['pr_b', '2026-01-02T00:00:00.000Z', 'paid'],
          ['pr_c', '2026-01-03T00:00:00.000Z', 'open'],
        ] as const)
          await store.paymentRequests.create(paymentRequest(id, { createdAt: at, state }));
        const ids = (list: readonly PaymentRequest[]) => list.map((r) => r.id);
        assert.deepEqual(ids(await store.paymentRequests.list({ limit: 10 })), ['pr_c', 'pr_b', 'pr_a']);
        assert.deepEqual(ids(await store.paymentRequests.list({ states: ['open'], limit: 10 })), [
          'pr_c',
          'pr_a',
        ]);
        assert.deepEqual(ids(await store.paymentRequests.list({ limit: 1 })), ['pr_c']);
      }),
    );
  });
}
