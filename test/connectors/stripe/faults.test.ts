import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Stripe from 'stripe';
import { mapStripeError, StripeApi } from '../../../connectors/stripe/client.ts';
import { createStripeConnector } from '../../../connectors/stripe/connector.ts';
import {
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';
import { AuthError, InvalidRequestError, RateLimitError, TransientError } from '../../../src/errors.ts';
import { drain, streamNamed, testContext } from './helpers.ts';

let emu: StripeEmulator;
const PATH = '/v1/balance_transactions';
const PARAMS = { limit: 100 };

before(async () => {
  emu = await startStripeEmulator({ count: 1_000, seed: 5 });
});
after(() => emu.close());
beforeEach(() => {
  emu.control.clearFaults();
  emu.control.clearLog();
});

const statuses = () => emu.control.requestLog.map((r) => r.status);

function api(timeoutMs = 2_000, attempts = 5) {
  const test = testContext(emu.url);
  return { ...test, api: new StripeApi(EMULATOR_SECRET_KEY, test.ctx, { timeoutMs, retry: { attempts } }) };
}

describe('stripe client retries', () => {
  test('429 is waited out for exactly the Retry-After the API asked for', async () => {
    const { api: client, sleeps } = api();
    emu.control.injectFault({ type: 'rate_limit', retryAfterSeconds: 7 }, 2);
    const page = await client.listPage('balance_transactions', PARAMS);
    assert.equal(page.data.length, 100);
    assert.deepEqual(sleeps, [7_000, 7_000]);
    assert.deepEqual(statuses(), [429, 429, 200]);
  });

  test('500s are retried with backoff, then succeed', async () => {
    const { api: client, sleeps } = api();
    emu.control.injectFault({ type: 'server_error' }, 2);
    await client.listPage('balance_transactions', PARAMS);
    assert.deepEqual(statuses(), [500, 500, 200]);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps.every((ms) => ms >= 0 && ms <= 30_000));
  });

  test('a persistent 500 ends in TransientError after a bounded number of tries', async () => {
    const { api: client, sleeps } = api();
    emu.control.injectFault({ type: 'server_error', status: 503 }, 100);
    await assert.rejects(client.listPage('balance_transactions', PARAMS), TransientError);
    assert.equal(emu.control.requestLog.length, 5);
    assert.equal(sleeps.length, 4);
  });

  test('409 conflicts are transient', async () => {
    const { api: client } = api(2_000, 1);
    emu.control.injectFault({ type: 'server_error', status: 409 });
    await assert.rejects(client.listPage('balance_transactions', PARAMS), TransientError);
  });

  test('a hanging request times out and is retried', async () => {
    const { api: client, sleeps } = api(150);
    emu.control.injectFault({ type: 'hang' }, 1);
    const page = await client.listPage('balance_transactions', PARAMS);
    assert.equal(page.data.length, 100);
    assert.deepEqual(statuses(), ['hang', 200]);
    assert.equal(sleeps.length, 1);
    emu.control.injectFault({ type: 'hang' }, 2);
    const { api: impatient } = api(150, 2);
    await assert.rejects(impatient.listPage('balance_transactions', PARAMS), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /timeout/i);
      return true;
    });
  });

  test('a connection reset mid-body is retried; persistent resets end in TransientError', async () => {
    const { api: client } = api();
    emu.control.injectFault({ type: 'reset' }, 1);
    assert.equal((await client.listPage('balance_transactions', PARAMS)).data.length, 100);
    assert.deepEqual(statuses(), ['reset', 200]);
    emu.control.injectFault({ type: 'reset' }, 3);
    const { api: brief } = api(2_000, 3);
    await assert.rejects(brief.listPage('balance_transactions', PARAMS), /Stripe connection failed/);
  });

  test('malformed JSON is a clear TransientError (retried, then surfaced)', async () => {
    const { api: client } = api();
    emu.control.injectFault({ type: 'malformed_json' }, 1);
    assert.equal((await client.listPage('balance_transactions', PARAMS)).data.length, 100);
    emu.control.injectFault({ type: 'malformed_json' }, 2);
    const { api: brief } = api(2_000, 2);
    await assert.rejects(brief.listPage('balance_transactions', PARAMS), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /unreadable response.*Invalid JSON/);
      return true;
    });
  });

  test('auth and invalid requests are not retried', async () => {
    const { ctx } = testContext(emu.url);
    const wrongKey = 'sk_test_51NotAKeyStripeKnows0000abcd';
    const bad = new StripeApi(wrongKey, ctx);
    await assert.rejects(bad.listPage('balance_transactions', PARAMS), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.ok(!error.message.includes(wrongKey));
      assert.match(error.message, /Invalid API Key provided/);
      return true;
    });
    assert.equal(emu.control.requestLog.length, 1);
    const { api: client } = api();
    await assert.rejects(
      client.listPage('balance_transactions', { limit: 100, starting_after: 'txn_nope' }),
      InvalidRequestError,
    );
    assert.equal(emu.control.requestLog.length, 2);
  });

  test('a fault in the middle of a listing is retried and the listing stays exact', async () => {
    const { ctx, sleeps } = testContext(emu.url);
    const bts = streamNamed(
      createStripeConnector().streams({ api_key: EMULATOR_SECRET_KEY }),
      'balance_transactions',
    );
    const pages: string[][] = [];
    for await (const page of bts.read(null, ctx)) {
      pages.push(page.objects.map((o) => bts.externalId(o)!));
      if (pages.length === 3) {
        emu.control.injectFault({ type: 'reset' }, 1, PATH);
        emu.control.injectFault({ type: 'rate_limit', retryAfterSeconds: 2 }, 1, PATH);
      }
    }
    const all = pages.flat();
    assert.equal(all.length, 1_000);
    assert.equal(new Set(all).size, 1_000);
    assert.deepEqual(sleeps.length, 2);
    assert.ok(sleeps.includes(2_000));
    const again = await drain(bts, null, ctx);
    assert.deepEqual(
      again.objects.map((o) => bts.externalId(o)),
      all,
    );
  });
});

describe('stripe error mapping', () => {
  test('classes map by type; Retry-After dates are understood; keys never leak', () => {
    // Built at run time so the source holds nothing that looks like a live key (it is fake either way).
    const key = ['sk', 'live', 'NotARealKeyOnlyATestValue'].join('_');
    const rateLimited = new Stripe.errors.StripeRateLimitError({
      message: 'slow down',
      statusCode: 429,
      headers: { 'retry-after': new Date(Date.now() + 10_000).toUTCString() },
    });
    const mapped = mapStripeError(rateLimited, key);
    assert.ok(mapped instanceof RateLimitError);
    assert.ok(
      mapped.retryAfterMs !== undefined && mapped.retryAfterMs > 5_000 && mapped.retryAfterMs <= 10_000,
    );
    const leaky = new Stripe.errors.StripeAuthenticationError({
      message: `Bad key ${key} used`,
      statusCode: 401,
    });
    const auth = mapStripeError(leaky, key);
    assert.ok(auth instanceof AuthError);
    assert.ok(!auth.message.includes(key));
    const other = mapStripeError(new Stripe.errors.StripePermissionError({ message: 'no', statusCode: 403 }));
    assert.ok(other instanceof AuthError);
    const apiError = mapStripeError(new Stripe.errors.StripeAPIError({ message: 'boom', statusCode: 502 }));
    assert.ok(apiError instanceof TransientError);
  });
});
