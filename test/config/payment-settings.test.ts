import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

const base = { FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { requireSlack: false });

test('approval limits are read exactly per currency, in major units', () => {
  const config = load({ FINSYNC_PAYMENT_APPROVAL_ABOVE: 'USD:5000, eur:4999.99,JPY:100000,KWD:1.5' });
  assert.deepEqual(
    [...config.payments.approvalAbove],
    [
      ['USD', 500000],
      ['EUR', 499999],
      ['JPY', 100000],
      ['KWD', 1500],
    ],
  );
  assert.equal(config.payments.requesters, 'admins');
  assert.equal(load({}).payments.approvalAbove.size, 0);
});

test('bad payment settings stop start-up naming the setting', () => {
  for (const [name, value] of [
    ['FINSYNC_PAYMENT_APPROVAL_ABOVE', 'USD5000'],
    ['FINSYNC_PAYMENT_APPROVAL_ABOVE', 'XYZ:10'],
    ['FINSYNC_PAYMENT_APPROVAL_ABOVE', 'JPY:10.5'],
    ['FINSYNC_PAYMENT_APPROVAL_ABOVE', 'USD:1,USD:2'],
    ['FINSYNC_PAYMENT_APPROVAL_ABOVE', 'USD:-5'],
    ['FINSYNC_PAYMENT_REQUESTERS', 'members'],
  ] as const) {
    assert.throws(
      () => load({ [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(name),
      `${name}=${value}`,
    );
  }
  assert.equal(load({ FINSYNC_PAYMENT_REQUESTERS: 'everyone' }).payments.requesters, 'everyone');
});
