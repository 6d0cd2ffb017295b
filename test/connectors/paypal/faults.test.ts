import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mapPayPalError, retryAfterMs } from '../../../connectors/paypal/faults.ts';
import { AuthError, classify, RateLimitError, TransientError, UserInputError } from '../../../src/errors.ts';
import { DAY, readStream, summary, T0, type World, world } from './helpers.ts';

const worlds: World[] = [];
after(async () => {
  for (const w of worlds) await w.close();
});
async function open(): Promise<World> {
  const w = await world({
    rows: [{ transactionId: 'OK000000000000001', amount: 1_500, initiatedAt: T0 - DAY }],
  });
  worlds.push(w);
  return w;
}
const stream = (w: World) => w.connector.streams(w.credentials)[0]!;

describe('paypal errors', () => {
  test("401 invalid_client on the token call is a needs-reconnect AuthError with PayPal's reason", async () => {
    const w = await open();
    w.emulator.control.revoke();
    await assert.rejects(readStream(stream(w), null, w.ctx), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /invalid_client: Client Authentication failed/);
      assert.match(error.message, /reconnect/);
      assert.doesNotMatch(error.message, new RegExp(w.emulator.clientSecret));
      return true;
    });
  });

  test('401 AUTHENTICATION_FAILURE on a search renews the token once, then is an AuthError with the debug_id', () => {
    const error = mapPayPalError(
      'transaction search',
      401,
      { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed', debug_id: 'f00d1234abcd' },
      null,
    );
    assert.equal(classify(error), 'auth');
    assert.match(error.message, /debug_id f00d1234abcd/);
  });

  test('a revoked app mid-run: the cached token is refused, a new one is asked once, and the run fails as auth', async () => {
    const w = await open();
    await readStream(stream(w), null, w.ctx);
    const grants = w.emulator.control.tokenGrants;
    w.emulator.control.revoke();
    await assert.rejects(readStream(stream(w), null, w.ctx), AuthError);
    assert.equal(w.emulator.control.tokenGrants, grants, 'no token was granted to a revoked app');
  });

  test('a token PayPal stops accepting before its expiry is renewed once and the read goes on', async () => {
    const w = await open();
    await readStream(stream(w), null, w.ctx);
    w.emulator.control.expireTokens();
    const read = await readStream(stream(w), null, w.ctx);
    assert.equal(w.emulator.control.tokenGrants, 2);
    assert.deepEqual(summary(read.records), [
      'paypal:transactions:OK000000000000001:T0006:B 1500 USD success money',
    ]);
  });

  test('403 NOT_AUTHORIZED names the fix (enable Transaction search; hours to appear) and the debug_id', async () => {
    const w = await open();
    w.emulator.control.setTransactionSearch(false);
    await assert.rejects(readStream(stream(w), null, w.ctx), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /NOT_AUTHORIZED: Authorization failed due to insufficient permissions/);
      assert.match(error.message, /Transaction search/);
      assert.match(error.message, /hours/);
      assert.match(error.message, /debug_id [0-9a-f]+/);
      return true;
    });
  });

  test('429 RATE_LIMIT_REACHED waits what Retry-After says, then goes on with the exact set', async () => {
    const w = await open();
    w.emulator.control.failNext({ status: 429, name: 'RATE_LIMIT_REACHED', retryAfterSeconds: 7 });
    const read = await readStream(stream(w), null, w.ctx);
    assert.ok(w.sleeps.includes(7000), `slept ${w.sleeps.join(',')}`);
    assert.deepEqual(summary(read.records), [
      'paypal:transactions:OK000000000000001:T0006:B 1500 USD success money',
    ]);
  });

  test('5xx is retried with backoff and the read completes', async () => {
    const w = await open();
    w.emulator.control.failNext({ status: 503, name: 'SERVICE_UNAVAILABLE' }, 2);
    const read = await readStream(stream(w), null, w.ctx);
    assert.equal(w.sleeps.length, 2);
    assert.deepEqual(summary(read.records), [
      'paypal:transactions:OK000000000000001:T0006:B 1500 USD success money',
    ]);
  });

  test('the token is cached: many searches, one token grant', async () => {
    const w = await open();
    await readStream(stream(w), null, w.ctx);
    await readStream(stream(w), null, w.ctx);
    assert.equal(w.emulator.control.tokenGrants, 1);
    // Shortly before expires_in (32,400 s) a new one is fetched.
    w.clock.now = T0 + 32_400_000 - 60_000;
    await readStream(stream(w), null, w.ctx);
    assert.equal(w.emulator.control.tokenGrants, 2);
  });

  test('mapping by status and name', () => {
    assert.ok(mapPayPalError('x', 429, { name: 'RATE_LIMIT_REACHED' }, '3') instanceof RateLimitError);
    assert.equal((mapPayPalError('x', 429, {}, '3') as RateLimitError).retryAfterMs, 3000);
    assert.ok(
      mapPayPalError('x', 500, { name: 'INTERNAL_SERVER_ERROR', debug_id: 'abc' }, null) instanceof
        TransientError,
    );
    assert.equal(
      classify(mapPayPalError('x', 400, { name: 'RESULTSET_TOO_LARGE' }, null)),
      'invalid_request',
    );
    assert.equal(classify(mapPayPalError('token', 401, { error: 'invalid_client' }, null, true)), 'auth');
    assert.equal(retryAfterMs(null), 30_000);
  });
});

describe('paypal connect (verify)', () => {
  test('good credentials: the account number is the identity, the label names it and the app', async () => {
    const w = await open();
    const verified = await w.connector.verify(
      { client_id: ` ${w.emulator.clientId} `, client_secret: w.emulator.clientSecret, webhook_id: 'WH123' },
      w.ctx,
    );
    assert.equal(verified.accountId, w.emulator.control.accountId);
    assert.match(verified.accountLabel, /PayPal account F5SYNCEMUL7QK .*APP-80W284485P519543T/);
    assert.deepEqual(verified.credentials, {
      client_id: w.emulator.clientId,
      client_secret: w.emulator.clientSecret,
      webhook_id: 'WH123',
    });
  });

  test("refused credentials show PayPal's reason", async () => {
    const w = await open();
    await assert.rejects(
      w.connector.verify({ client_id: w.emulator.clientId, client_secret: 'wrong' }, w.ctx),
      /invalid_client: Client Authentication failed/,
    );
  });

  test('an app without Transaction Search is refused with the fix and the delay', async () => {
    const w = await open();
    w.emulator.control.setTransactionSearch(false);
    await assert.rejects(
      w.connector.verify(w.credentials, w.ctx),
      /NOT_AUTHORIZED.*Transaction search.*hours/s,
    );
  });

  test('history from: a date, not in the future, not beyond three years', async () => {
    const w = await open();
    for (const [value, pattern] of [
      ['yesterday', /not a date/],
      ['2027-01-01', /future/],
      ['2020-01-01', /three years/],
    ] as const) {
      await assert.rejects(
        w.connector.verify({ ...w.credentials, history_from: value }, w.ctx),
        (error: unknown) => {
          assert.ok(error instanceof UserInputError);
          assert.equal(error.field, 'history_from');
          assert.match(error.message, pattern);
          return true;
        },
      );
    }
  });

  test('balances per currency in exact minor units', async () => {
    const w = await open();
    w.emulator.control.addRow({
      transactionId: 'JPYBAL00000000001',
      currency: 'JPY',
      amount: 5_000,
      fee: -150,
      initiatedAt: T0 - DAY,
    });
    w.emulator.control.addRow({
      transactionId: 'PENDBAL0000000001',
      amount: 2_000,
      status: 'P',
      initiatedAt: T0 - DAY,
    });
    const balances = await w.connector.balances!(w.credentials, w.ctx);
    assert.deepEqual(balances.map((b) => `${b.currency} ${b.kind} ${b.amount}`).sort(), [
      'JPY available 4850',
      'JPY total 4850',
      'JPY withheld 0',
      'USD available 1500',
      'USD total 3500',
      'USD withheld 2000',
    ]);
  });
});
