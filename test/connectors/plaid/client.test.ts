import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PlaidApi } from 'plaid';
import {
  createPlaidClient,
  mapPlaidError,
  PlaidMutationDuringPaginationError,
} from '../../../connectors/plaid/client.ts';
import type { PlaidEmulator } from '../../../connectors/plaid/emulator.ts';
import {
  AuthError,
  ConfigError,
  InvalidRequestError,
  RateLimitError,
  TransientError,
} from '../../../src/errors.ts';
import { context, emulator, settingsFor } from './helpers.ts';

describe('Plaid client: typed errors and retries', () => {
  let emu: PlaidEmulator;
  let accessToken: string;

  before(async () => {
    emu = await emulator();
    accessToken = emu.control.createItem().accessToken;
  });
  after(() => emu.close());

  const requestsTo = (path: string) => emu.control.requestLog.filter((e) => e.path === path).length;
  const accounts = (settings = settingsFor(emu), options = {}) => {
    const client = createPlaidClient(settings, options);
    const ctx = context(settings);
    const call = (token = accessToken) =>
      client.call('/accounts/get', (api, opts) => api.accountsGet({ access_token: token }, opts), ctx, [
        token,
      ]);
    return { ctx, call };
  };

  test('missing developer keys are a ConfigError naming PLAID_CLIENT_ID and PLAID_SECRET', () => {
    assert.throws(
      () => createPlaidClient(settingsFor(emu, { clientId: undefined, secret: undefined })),
      (error) =>
        error instanceof ConfigError &&
        /PLAID_CLIENT_ID/.test(error.message) &&
        /PLAID_SECRET/.test(error.message),
    );
    assert.throws(
      () => createPlaidClient(settingsFor(emu, { secret: '' })),
      (error) => error instanceof ConfigError && error.setting === 'PLAID_SECRET',
    );
  });

  test("wrong keys are an AuthError with Plaid's reason and without the secret", async () => {
    const secret = 'wrong-secret-value-123';
    const { call } = accounts(settingsFor(emu, { secret }));
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /invalid client_id or secret provided/);
      assert.match(error.message, /INVALID_API_KEYS/);
      assert.doesNotMatch(error.message, new RegExp(secret));
      assert.equal((error as { cause?: unknown }).cause, undefined);
      return true;
    });
  });

  test('an unknown access token is an AuthError that does not quote the token', async () => {
    const token = 'access-sandbox-00000000-dead-beef-0000-000000000000';
    const { call } = accounts();
    await assert.rejects(call(token), (error) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /INVALID_ACCESS_TOKEN/);
      assert.doesNotMatch(error.message, /dead-beef/);
      return true;
    });
  });

  test('ITEM_LOGIN_REQUIRED is an AuthError so the connection asks for a reconnect', async () => {
    const item = emu.control.createItem();
    emu.control.resetLogin(item.itemId);
    const { call } = accounts();
    await assert.rejects(
      call(item.accessToken),
      (error) => error instanceof AuthError && /ITEM_LOGIN_REQUIRED/.test(error.message),
    );
  });

  test('429 RATE_LIMIT_EXCEEDED is retried after the injected sleep, then succeeds', async () => {
    const before = requestsTo('/accounts/get');
    emu.control.failNext(2, 'rate_limit', '/accounts/get');
    const { ctx, call } = accounts();
    const response = await call();
    assert.equal(response.accounts.length, 5);
    assert.equal(ctx.sleeps.length, 2);
    assert.equal(requestsTo('/accounts/get') - before, 3);
  });

  test('500 API_ERROR is retried; after the last attempt it is a TransientError', async () => {
    emu.control.failNext(1, 'server_error', '/accounts/get');
    const first = accounts();
    assert.equal((await first.call()).accounts.length, 5);
    assert.equal(first.ctx.sleeps.length, 1);

    emu.control.failNext(3, 'server_error', '/accounts/get');
    const before = requestsTo('/accounts/get');
    const { ctx, call } = accounts(settingsFor(emu), { retry: { attempts: 3 } });
    await assert.rejects(
      call(),
      (error) => error instanceof TransientError && /INTERNAL_SERVER_ERROR/.test(error.message),
    );
    assert.equal(requestsTo('/accounts/get') - before, 3);
    assert.equal(ctx.sleeps.length, 2);
  });

  test('a rate limit that never ends is a RateLimitError after the last attempt', async () => {
    emu.control.failNext(2, 'rate_limit', '/accounts/get');
    const { call } = accounts(settingsFor(emu), { retry: { attempts: 2 } });
    await assert.rejects(call(), RateLimitError);
  });

  test('a request that hangs times out and is retried', async () => {
    emu.control.failNext(1, 'hang', '/accounts/get');
    const { ctx, call } = accounts(settingsFor(emu), { timeoutMs: 150 });
    const response = await call();
    assert.equal(response.accounts.length, 5);
    assert.equal(ctx.sleeps.length, 1);
  });

  test('an unreachable Plaid is a TransientError', async () => {
    const settings = { ...settingsFor(emu), baseUrl: 'http://127.0.0.1:9' };
    const { call } = accounts(settings, { retry: { attempts: 2 } });
    await assert.rejects(
      call(),
      (error) => error instanceof TransientError && /network error/.test(error.message),
    );
  });

  test('an invalid request is an InvalidRequestError and is not retried', async () => {
    const settings = settingsFor(emu);
    const client = createPlaidClient(settings);
    const ctx = context(settings);
    const before = requestsTo('/transactions/sync');
    await assert.rejects(
      client.call(
        '/transactions/sync',
        (api, o) => api.transactionsSync({ access_token: accessToken, count: 0 }, o),
        ctx,
      ),
      InvalidRequestError,
    );
    assert.equal(requestsTo('/transactions/sync') - before, 1);
  });

  test('MUTATION_DURING_PAGINATION is its own transient class and is not resent', async () => {
    const settings = settingsFor(emu);
    const client = createPlaidClient(settings);
    const ctx = context(settings);
    const first = await (await client.sdk()).transactionsSync({ access_token: accessToken, count: 10 });
    emu.control.mutateDuringPagination();
    const before = requestsTo('/transactions/sync');
    const sync = (api: PlaidApi, o: { timeout: number }) =>
      api.transactionsSync({ access_token: accessToken, cursor: first.data.next_cursor, count: 10 }, o);
    await assert.rejects(client.call('/transactions/sync', sync, ctx), (error) => {
      assert.ok(error instanceof PlaidMutationDuringPaginationError);
      assert.ok(error instanceof TransientError);
      return true;
    });
    assert.equal(requestsTo('/transactions/sync') - before, 1);
    assert.equal(ctx.sleeps.length, 0);
  });
});

describe('mapPlaidError', () => {
  const axiosError = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
    isAxiosError: true,
    message: `Request failed with status code ${status}`,
    response: { status, data, headers },
  });

  test('tokens and secrets quoted in a Plaid message are cut out', () => {
    const error = mapPlaidError(
      axiosError(400, {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_ACCESS_TOKEN',
        error_message: 'token access-production-1234abcd-aaaa is bad; so is s3cr3t-value',
      }),
      '/accounts/get',
      ['s3cr3t-value'],
      1000,
    );
    assert.ok(error instanceof AuthError);
    assert.doesNotMatch(error.message, /1234abcd|s3cr3t-value/);
  });

  test('Retry-After, when Plaid sends it, sets how long a rate limit waits', () => {
    const error = mapPlaidError(
      axiosError(
        429,
        { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT', error_message: 'slow down' },
        { 'retry-after': '7' },
      ),
      '/item/get',
      [],
      1000,
    );
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.retryAfterMs, 7000);
  });

  test("a body that is not Plaid's is classified by HTTP status", () => {
    assert.ok(
      mapPlaidError(axiosError(502, '<html>bad gateway</html>'), '/x', [], 1000) instanceof TransientError,
    );
    assert.ok(mapPlaidError(axiosError(401, null), '/x', [], 1000) instanceof AuthError);
    assert.ok(mapPlaidError(axiosError(404, null), '/x', [], 1000) instanceof InvalidRequestError);
  });
});
