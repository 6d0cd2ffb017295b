import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createStripeConnector, stripeConnector } from '../../../connectors/stripe/connector.ts';
import {
  EMULATOR_NO_BALANCE_KEY,
  EMULATOR_RESTRICTED_KEY,
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';
import { AuthError, UserInputError } from '../../../src/errors.ts';
import { testContext } from './helpers.ts';

let emu: StripeEmulator;
const NOW = Date.parse('2025-06-01T00:00:00Z');
const connector = createStripeConnector({ now: () => NOW });

before(async () => {
  emu = await startStripeEmulator({ count: 50, accountName: 'Acme Corp' });
});
after(() => emu.close());
beforeEach(() => emu.control.clearLog());

function rejectsWithout(
  secret: string,
  errorClass: typeof AuthError | typeof UserInputError,
  pattern: RegExp,
) {
  return (error: unknown) => {
    assert.ok(error instanceof errorClass, String(error));
    assert.ok(!error.message.includes(secret), `message leaks the key: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('stripe connector', () => {
  test('declares its id, name and credential fields', () => {
    assert.equal(stripeConnector.id, 'stripe');
    assert.equal(stripeConnector.displayName, 'Stripe');
    assert.deepEqual(
      stripeConnector.credentialFields.map((f) => [f.key, f.secret, f.optional ?? false]),
      [
        ['api_key', true, false],
        ['webhook_secret', true, true],
        ['backfill_from', false, true],
      ],
    );
  });

  test('verify with a secret key labels the account and returns the credentials to store', async () => {
    const { ctx } = testContext(emu.url);
    const result = await connector.verify(
      { api_key: ` ${EMULATOR_SECRET_KEY} `, webhook_secret: 'whsec_abc', backfill_from: '2024-01-01' },
      ctx,
    );
    assert.match(result.accountLabel, /^Acme Corp \(acct_\w+, test mode\)$/);
    assert.match(result.accountId ?? '', /^acct_/);
    assert.deepEqual(result.credentials, {
      api_key: EMULATOR_SECRET_KEY,
      webhook_secret: 'whsec_abc',
      backfill_from: '2024-01-01',
    });
    assert.equal(emu.control.requestLog[0]!.path, '/v1/balance');
  });

  test('verify with a restricted key that may not read the account still connects', async () => {
    const { ctx } = testContext(emu.url);
    const result = await connector.verify({ api_key: EMULATOR_RESTRICTED_KEY }, ctx);
    assert.equal(result.accountLabel, 'Stripe account (test mode)');
    assert.equal(result.accountId, undefined);
    assert.deepEqual(result.credentials, { api_key: EMULATOR_RESTRICTED_KEY });
  });

  test('a rejected key → AuthError with Stripe’s reason, never the key, and no retries', async () => {
    const { ctx } = testContext(emu.url);
    const key = 'sk_test_51ThisKeyWasRevokedLastWeek42';
    await assert.rejects(
      connector.verify({ api_key: key }, ctx),
      rejectsWithout(key, AuthError, /Invalid API Key/),
    );
    assert.equal(emu.control.requestLog.length, 1);
  });

  test('a restricted key without balance read → AuthError naming the missing permission', async () => {
    const { ctx } = testContext(emu.url);
    await assert.rejects(
      connector.verify({ api_key: EMULATOR_NO_BALANCE_KEY }, ctx),
      rejectsWithout(EMULATOR_NO_BALANCE_KEY, AuthError, /rak_balance_read/),
    );
  });

  test('malformed input is refused before any request, without echoing the key', async () => {
    const { ctx } = testContext(emu.url);
    const cases: [Record<string, string>, RegExp][] = [
      [{ api_key: 'pk_test_51Publishable000' }, /publishable/],
      [{ api_key: 'hunter2-hunter2' }, /does not look like/],
      [{ api_key: '' }, /Enter a Stripe API key/],
      [{ api_key: EMULATOR_SECRET_KEY, webhook_secret: 'abc' }, /whsec_/],
      [{ api_key: EMULATOR_SECRET_KEY, backfill_from: 'last tuesday' }, /not a date/],
      [{ api_key: EMULATOR_SECRET_KEY, backfill_from: '2030-01-01' }, /future/],
    ];
    for (const [input, pattern] of cases) {
      await assert.rejects(
        connector.verify(input, ctx),
        rejectsWithout(input.api_key || '\u0000', UserInputError, pattern),
      );
    }
    assert.equal(emu.control.requestLog.length, 0);
  });

  test('any sk_ or rk_ key, of any length and alphabet, goes to Stripe, whose 401 decides', async () => {
    const { ctx } = testContext(emu.url);
    // Live, test and restricted keys; Stripe has changed lengths and alphabets before and publishes no format.
    const keys = [
      'sk_live_x',
      'rk_live_51Abc-def.ghi_JKL',
      'rk_test_9',
      `sk_test_${'Zz9_-'.repeat(60)}`,
      'sk_org_live_NewKindOfKey+/=',
    ];
    for (const key of keys) {
      emu.control.clearLog();
      await assert.rejects(
        connector.verify({ api_key: key }, ctx),
        rejectsWithout(key, AuthError, /Invalid API Key provided/),
      );
      assert.equal(emu.control.requestLog.length, 1, `${key.slice(0, 12)}… was sent to Stripe`);
    }
  });

  test('a key refused before any request names its field, so a form shows it there', async () => {
    const { ctx } = testContext(emu.url);
    const cases: [Record<string, string>, string][] = [
      [{ api_key: 'sk_' }, 'api_key'],
      [{ api_key: 'sk_test_has a space' }, 'api_key'],
      [{ api_key: 'pk_live_abc' }, 'api_key'],
      [{ api_key: EMULATOR_SECRET_KEY, webhook_secret: 'secret' }, 'webhook_secret'],
      [{ api_key: EMULATOR_SECRET_KEY, backfill_from: 'soon' }, 'backfill_from'],
    ];
    for (const [input, field] of cases) {
      await assert.rejects(connector.verify(input, ctx), (error: unknown) => {
        assert.ok(error instanceof UserInputError, String(error));
        assert.equal(error.field, field, error.message);
        return true;
      });
    }
    assert.equal(emu.control.requestLog.length, 0);
  });

  test('streams: events first, then the six Stripe lists, bound to the stored key', () => {
    const streams = connector.streams({ api_key: EMULATOR_SECRET_KEY });
    assert.deepEqual(
      streams.map((s) => s.name),
      ['events', 'balance_transactions', 'charges', 'refunds', 'payouts', 'customers', 'disputes'],
    );
    assert.ok(streams.every((s) => s.primaryKey === 'id'));
    assert.equal(streams[0]!.externalId({ id: 'txn_1' }), 'txn_1');
    assert.equal(streams[0]!.externalId({}), undefined);
    assert.throws(() => connector.streams({}), AuthError);
  });
});
