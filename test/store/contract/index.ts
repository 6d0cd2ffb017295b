/**
 * The store contract: every rule finsync relies on, written against the Store interface and its ports only
 * (no SQL, no implementation names), so each implementation runs the same suite with its own factory:
 * `storeContract('embedded', openFreshEmbedded)` today, MongoDB next.
 */
import { describe } from 'node:test';
import { connectionRules } from './connections.ts';
import { handOffRules } from './hand-offs.ts';
import type { OpenFreshStore } from './harness.ts';
import { incidentRules } from './incidents.ts';
import { jobRules } from './jobs.ts';
import { ledgerRules } from './ledger.ts';
import { outboxRules } from './outbox.ts';
import { paymentRequestRules } from './payment-requests.ts';
import { queryRules } from './queries.ts';
import { runRules } from './runs.ts';

export type { OpenedStore, OpenFreshStore } from './harness.ts';

export function storeContract(name: string, open: OpenFreshStore): void {
  describe(`store contract: ${name}`, () => {
    connectionRules(open);
    runRules(open);
    ledgerRules(open);
    outboxRules(open);
    incidentRules(open);
    handOffRules(open);
    jobRules(open);
    queryRules(open);
    paymentRequestRules(open);
  });
}
