/** Incidents and the actions taken on them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConflictError } from '../../../src/errors.ts';
import type { NewIncident } from '../../../src/store/ports/incidents.ts';
import { type OpenFreshStore, withStore } from './harness.ts';

const incident = (connection: string, overrides: Partial<NewIncident> = {}): NewIncident => ({
  connection,
  provider: 'stripe',
  providerName: 'Stripe',
  state: 'open',
  errorClass: 'auth',
  errorMessage: 'Invalid API Key provided',
  failingSince: '2026-01-02T06:00:00.000Z',
  failedRuns: 1,
  lastFailureAt: '2026-01-02T06:00:00.000Z',
  lastSuccessAt: null,
  alertedAt: null,
  version: 0,
  snooze: null,
  snoozesExpired: 0,
  escalatedAt: null,
  resolvedAt: null,
  owner: 'U1',
  channels: [],
  ...overrides,
});

export function incidentRules(open: OpenFreshStore): void {
  describe('incidents', () => {
    test(
      'an incident is stored whole, saved in place, and at most one is open per connection',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const created = await store.incidents.create(incident('stripe'));
        assert.deepEqual(await other.incidents.get(created.id), created);
        assert.deepEqual(await other.incidents.open('stripe'), created);
        await assert.rejects(other.incidents.create(incident('stripe')), ConflictError);
        const plaid = await other.incidents.create(incident('plaid', { provider: 'plaid' }));
        assert.notEqual(plaid.id, created.id);
        assert.deepEqual(
          (await store.incidents.allOpen()).map((i) => i.connection),
          ['stripe', 'plaid'],
        );
        const alerted = { ...created, version: 1, alertedAt: '2026-01-02T06:01:00.000Z', channels: ['C1'] };
        await store.incidents.save(alerted);
        assert.deepEqual(await other.incidents.get(created.id), alerted);
        const resolved = { ...alerted, state: 'resolved' as const, resolvedAt: '2026-01-02T07:00:00.000Z' };
        await other.incidents.save(resolved);
        assert.equal(await store.incidents.open('stripe'), undefined);
        assert.deepEqual(await store.incidents.latest('stripe'), resolved);
        const next = await store.incidents.create(incident('stripe'));
        assert.equal((await store.incidents.latest('stripe'))?.id, next.id, 'a new one may open');
        assert.equal(await store.incidents.get(999_999), undefined);
      }),
    );

    test(
      'an action on one version of an incident is claimed once, across processes',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const { id } = await store.incidents.create(incident('stripe'));
        const at = new Date('2026-01-02T06:05:00.000Z');
        const claims = await Promise.all([
          store.incidents.claimAction(id, 'retry', 1, 'U1', at),
          other.incidents.claimAction(id, 'retry', 1, 'U2', at),
        ]);
        assert.deepEqual(claims.sort(), [false, true]);
        assert.equal(await store.incidents.claimAction(id, 'snooze', 1, 'U1', at), true, 'another action');
        assert.equal(await store.incidents.claimAction(id, 'retry', 2, 'U1', at), true, 'another version');
      }),
    );
  });
}
