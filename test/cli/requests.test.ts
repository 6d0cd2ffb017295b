/** `npx finsync requests [open|paid|all] [--json]`: the payment requests in the store, from a terminal. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../../src/store/open-store.ts';
import type { PaymentRequest } from '../../src/store/ports/payment-requests.ts';
import { paymentRequest } from '../store/contract/payment-requests.ts';
import { cliEnv, runCli } from '../sync/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'finsync-cli-requests-'));
const env = cliEnv(dir, {});
after(() => rmSync(dir, { recursive: true, force: true }));

test('requests lists payment requests by state, as text and as JSON', async () => {
  const store = await openStore({ dataDir: dir, mongodbUri: undefined });
  try {
    await store.paymentRequests.create(
      paymentRequest('pr_open1', {
        state: 'open',
        url: 'https://buy.stripe.com/test_1',
        createdAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    await store.paymentRequests.create(
      paymentRequest('pr_paid1', {
        state: 'paid',
        amount: 9999,
        currency: 'USD',
        received: 9999,
        fee: 320,
        net: 9679,
        createdAt: '2026-01-02T00:00:00.000Z',
      }),
    );
  } finally {
    await store.close();
  }
  const open = await runCli(['requests'], env);
  assert.equal(open.code, 0, open.stderr);
  assert.match(open.stdout, /Payment requests \(open\): 1/);
  assert.match(open.stdout, /1,250\.00 EUR/);
  const all = await runCli(['requests', 'all', '--json'], env);
  const listed = JSON.parse(all.stdout) as PaymentRequest[];
  assert.deepEqual(
    listed.map((r) => [r.id, r.state, r.amount, r.fee, r.net]),
    [
      ['pr_paid1', 'paid', 9999, 320, 9679],
      ['pr_open1', 'open', 125000, null, null],
    ],
  );
  const asked = await runCli(['request', '10', 'EUR', 'Rent'], env);
  assert.equal(asked.code, 2);
  assert.match(asked.stdout, /from Slack/);
});
