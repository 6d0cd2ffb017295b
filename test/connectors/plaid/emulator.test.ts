import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CountryCode, Products } from 'plaid';
import { createPlaidClient, type PlaidClient } from '../../../connectors/plaid/client.ts';
import type { PlaidEmulator } from '../../../connectors/plaid/emulator.ts';
import { emulator, settingsFor } from './helpers.ts';

/** The raw Plaid error body of a failed SDK call. */
async function plaidFailure(
  promise: Promise<unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Record<string, unknown> } }).response;
    assert.ok(response, `expected an HTTP error, got ${String(error)}`);
    return { status: response.status, body: response.data };
  }
  throw new Error('expected the call to fail');
}

describe('Plaid emulator through the official SDK', () => {
  let emu: PlaidEmulator;
  let client: PlaidClient;
  let accessToken: string;

  before(async () => {
    emu = await emulator();
    client = createPlaidClient(settingsFor(emu));
    const created = await (await client.sdk()).sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: [Products.Transactions],
      options: { webhook: 'https://example.test/webhooks/plaid' },
    });
    assert.match(created.data.public_token, /^public-sandbox-/);
    const exchanged = await (await client.sdk()).itemPublicTokenExchange({
      public_token: created.data.public_token,
    });
    accessToken = exchanged.data.access_token;
    assert.match(accessToken, /^access-sandbox-/);
    assert.equal(exchanged.data.item_id, 'item-sandbox-1');
  });
  after(() => emu.close());

  test('a public token is exchanged once, then refused as INVALID_PUBLIC_TOKEN', async () => {
    const { data } = await (await client.sdk()).sandboxPublicTokenCreate({
      institution_id: 'ins_109509',
      initial_products: [Products.Transactions],
    });
    await (await client.sdk()).itemPublicTokenExchange({ public_token: data.public_token });
    const failure = await plaidFailure(
      (await client.sdk()).itemPublicTokenExchange({ public_token: data.public_token }),
    );
    assert.equal(failure.status, 400);
    assert.equal(failure.body['error_type'], 'INVALID_INPUT');
    assert.equal(failure.body['error_code'], 'INVALID_PUBLIC_TOKEN');
    for (const key of ['error_message', 'display_message', 'request_id']) assert.ok(key in failure.body, key);
  });

  test('/link/token/create answers a link token and its expiry, and names missing fields', async () => {
    const { data } = await (await client.sdk()).linkTokenCreate({
      client_name: 'finsync',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: 'U123' },
      products: [Products.Transactions],
    });
    assert.match(data.link_token, /^link-sandbox-/);
    assert.ok(Date.parse(data.expiration) > Date.now());
    const failure = await plaidFailure(
      (await client.sdk()).linkTokenCreate({
        client_name: 'finsync',
        language: 'en',
        country_codes: [CountryCode.Us],
      }),
    );
    assert.equal(failure.body['error_code'], 'MISSING_FIELDS');
  });

  test('/link/token/create in update mode: made for an item access token, Link logs it in again', async () => {
    const item = emu.control.createItem();
    emu.control.resetLogin(item.itemId);
    const { data } = await (await client.sdk()).linkTokenCreate({
      client_name: 'finsync',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: 'U123' },
      access_token: item.accessToken,
    });
    const done = emu.control.completeUpdateMode(data.link_token);
    assert.equal(done.itemId, item.itemId);
    const { data: got } = await (await client.sdk()).itemGet({ access_token: item.accessToken });
    assert.equal(got.item.error, null, 'the login is repaired; the access token is the same');
    const unknown = await plaidFailure(
      (await client.sdk()).linkTokenCreate({
        client_name: 'finsync',
        language: 'en',
        country_codes: [CountryCode.Us],
        user: { client_user_id: 'U123' },
        access_token: 'access-sandbox-unknown',
      }),
    );
    assert.equal(unknown.body['error_code'], 'INVALID_ACCESS_TOKEN');
  });

  test('/accounts/get answers balances as decimal numbers with their currencies', async () => {
    const { data } = await (await client.sdk()).accountsGet({ access_token: accessToken });
    const byName = new Map(data.accounts.map((a) => [a.name, a]));
    assert.equal(byName.get('Plaid Checking')?.balances.current, 110.3);
    assert.equal(byName.get('Plaid Credit Card')?.balances.current, 410.29);
    assert.equal(byName.get('Plaid Credit Card')?.type, 'credit');
    assert.equal(byName.get('Tokyo Checking')?.balances.current, 152340);
    assert.equal(byName.get('Tokyo Checking')?.balances.iso_currency_code, 'JPY');
    assert.equal(byName.get('Kuwait Checking')?.balances.current, 1234.567);
    assert.equal(byName.get('Kuwait Checking')?.balances.unofficial_currency_code, null);
    assert.equal(data.item.item_id, 'item-sandbox-1');
  });

  test('/transactions/sync pages through the change log and then reports only new changes', async () => {
    const first = await (await client.sdk()).transactionsSync({ access_token: accessToken, count: 25 });
    assert.equal(first.data.added.length, 25);
    assert.equal(first.data.has_more, true);
    assert.equal(first.data.accounts.length, 5);
    let cursor = first.data.next_cursor;
    let total = first.data.added.length;
    for (;;) {
      const { data } = await (await client.sdk()).transactionsSync({
        access_token: accessToken,
        cursor,
        count: 25,
      });
      total += data.added.length;
      cursor = data.next_cursor;
      if (!data.has_more) break;
    }
    assert.equal(total, 60);
    const idle = await (await client.sdk()).transactionsSync({ access_token: accessToken, cursor });
    assert.deepEqual([idle.data.added, idle.data.modified, idle.data.removed], [[], [], []]);
    assert.equal(idle.data.next_cursor, cursor);

    const [added] = emu.control.addTransactions(1, { itemId: 'item-sandbox-1' });
    const [changed] = emu.control.modifyTransactions(['txn-1-00003']);
    emu.control.removeTransactions(['txn-1-00004']);
    const { data } = await (await client.sdk()).transactionsSync({ access_token: accessToken, cursor });
    assert.deepEqual(
      data.added.map((t) => t.transaction_id),
      [added?.transaction_id],
    );
    assert.deepEqual(
      data.modified.map((t) => t.name),
      [changed?.name],
    );
    assert.deepEqual(data.removed, [{ transaction_id: 'txn-1-00004', account_id: 'acc-1-checking' }]);
  });

  test('a pending transaction posts as Plaid reports it: pending removed, posted added with pending_transaction_id', async () => {
    const item = emu.control.createItem();
    const sync = async (cursor?: string) =>
      (
        await (
          await client.sdk()
        ).transactionsSync({
          access_token: item.accessToken,
          count: 500,
          ...(cursor === undefined ? {} : { cursor }),
        })
      ).data;
    const initial = await sync();
    const pending = initial.added.filter((t) => t.pending);
    const bistro = item.itemId.replace('item-sandbox-', 'txn-') + '-00018';
    assert.ok(
      pending.some((t) => t.transaction_id === bistro),
      'the generated data always has pending transactions',
    );
    assert.ok(pending.every((t) => t.pending_transaction_id === null));
    const held = pending.find((t) => t.transaction_id === bistro);
    assert.ok(held);
    assert.equal(held.date, '2026-01-30', 'pending since yesterday');

    // A restaurant bill: authorized on its day, posted two days later with the tip added.
    const tipped = Number((held.amount + 7.5).toFixed(2));
    const [posted] = emu.control.postPendingTransactions([held.transaction_id], {
      amount: tipped,
      date: '2026-02-02',
    });
    assert.ok(posted);
    const { added, modified, removed } = await sync(initial.next_cursor);
    assert.deepEqual(removed, [{ transaction_id: held.transaction_id, account_id: held.account_id }]);
    assert.deepEqual(modified, []);
    assert.equal(added.length, 1);
    const [after] = added;
    assert.ok(after);
    assert.notEqual(after.transaction_id, held.transaction_id, 'the posted transaction has its own id');
    assert.deepEqual(
      [after.pending, after.pending_transaction_id, after.amount, after.date, after.authorized_date],
      [false, held.transaction_id, tipped, '2026-02-02', held.date],
    );
    assert.deepEqual(after, posted);
    assert.ok(!emu.control.transactions(item.itemId).some((t) => t.transaction_id === held.transaction_id));
    assert.throws(() => emu.control.postPendingTransactions([after.transaction_id]), /not pending/);
  });

  test('/transactions/sync refuses a count outside 1–500 and a foreign cursor', async () => {
    const tooMany = await plaidFailure(
      (await client.sdk()).transactionsSync({ access_token: accessToken, count: 501 }),
    );
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body['error_code'], 'INVALID_FIELD');
    const badCursor = await plaidFailure(
      (await client.sdk()).transactionsSync({ access_token: accessToken, cursor: 'bm9wZQ' }),
    );
    assert.equal(badCursor.body['error_code'], 'INVALID_FIELD');
  });

  test('a change during pagination answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', async () => {
    const item = emu.control.createItem();
    const first = await (await client.sdk()).transactionsSync({ access_token: item.accessToken, count: 10 });
    emu.control.mutateDuringPagination();
    const failure = await plaidFailure(
      (await client.sdk()).transactionsSync({
        access_token: item.accessToken,
        cursor: first.data.next_cursor,
        count: 10,
      }),
    );
    assert.equal(failure.status, 400);
    assert.equal(failure.body['error_type'], 'TRANSACTIONS_ERROR');
    assert.equal(failure.body['error_code'], 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
  });

  test('/item/get and /institutions/get_by_id describe the item', async () => {
    const { data } = await (await client.sdk()).itemGet({ access_token: accessToken });
    assert.equal(data.item.institution_id, 'ins_109508');
    assert.equal(data.item.webhook, 'https://example.test/webhooks/plaid');
    assert.equal(data.item.error, null);
    const institution = await (await client.sdk()).institutionsGetById({
      institution_id: 'ins_109508',
      country_codes: [CountryCode.Us],
    });
    assert.equal(institution.data.institution.name, 'First Platypus Bank');
  });

  test('/webhook_verification_key/get serves a real ES256 key that verifies signWebhook JWTs', async () => {
    const body = JSON.stringify({
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      item_id: 'item-sandbox-1',
    });
    const jwt = emu.control.signWebhook(body);
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    const decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString());
    assert.deepEqual(decodedHeader, { alg: 'ES256', kid: emu.control.webhookKeyId, typ: 'JWT' });
    const { data } = await (await client.sdk()).webhookVerificationKeyGet({ key_id: decodedHeader.kid });
    assert.equal(data.key.alg, 'ES256');
    assert.equal(data.key.crv, 'P-256');
    const key = createPublicKey({
      key: { kty: data.key.kty, crv: data.key.crv, x: data.key.x, y: data.key.y },
      format: 'jwk',
    });
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    assert.equal(valid, true);
    const payload = JSON.parse(Buffer.from(claims, 'base64url').toString());
    assert.equal(payload.request_body_sha256, createHash('sha256').update(body).digest('hex'));
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 5);
    const unknown = await plaidFailure((await client.sdk()).webhookVerificationKeyGet({ key_id: 'nope' }));
    assert.equal(unknown.status, 400);
  });

  test('keys are accepted in the body as well as in headers; wrong keys are INVALID_API_KEYS', async () => {
    const post = (body: object, headers: Record<string, string> = {}) =>
      fetch(`${emu.url}/item/get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const inBody = await post({
      client_id: emu.control.clientId,
      secret: emu.control.secret,
      access_token: accessToken,
    });
    assert.equal(inBody.status, 200);
    const wrong = await post(
      { access_token: accessToken },
      { 'PLAID-CLIENT-ID': emu.control.clientId, 'PLAID-SECRET': 'wrong' },
    );
    assert.equal(wrong.status, 400);
    const body = (await wrong.json()) as Record<string, unknown>;
    assert.equal(body['error_type'], 'INVALID_INPUT');
    assert.equal(body['error_code'], 'INVALID_API_KEYS');
    const logged = emu.control.requestLog.find((entry) => entry.body['secret'] !== undefined);
    assert.equal(logged?.body['secret'], '[masked]');
  });

  test('an item whose login expired answers ITEM_LOGIN_REQUIRED on data endpoints', async () => {
    const item = emu.control.createItem();
    emu.control.resetLogin(item.itemId);
    const failure = await plaidFailure((await client.sdk()).accountsGet({ access_token: item.accessToken }));
    assert.equal(failure.status, 400);
    assert.equal(failure.body['error_type'], 'ITEM_ERROR');
    assert.equal(failure.body['error_code'], 'ITEM_LOGIN_REQUIRED');
    const { data } = await (await client.sdk()).itemGet({ access_token: item.accessToken });
    assert.equal(data.item.error?.error_code, 'ITEM_LOGIN_REQUIRED');
  });

  test('injected faults answer 429 RATE_LIMIT_EXCEEDED and 500 API_ERROR, then clear', async () => {
    emu.control.failNext(1, 'rate_limit', '/accounts/get');
    emu.control.failNext(1, 'server_error', '/accounts/get');
    const limited = await plaidFailure((await client.sdk()).accountsGet({ access_token: accessToken }));
    assert.equal(limited.status, 429);
    assert.equal(limited.body['error_type'], 'RATE_LIMIT_EXCEEDED');
    assert.equal(limited.body['error_code'], 'ACCOUNTS_LIMIT');
    const broken = await plaidFailure((await client.sdk()).accountsGet({ access_token: accessToken }));
    assert.equal(broken.status, 500);
    assert.equal(broken.body['error_type'], 'API_ERROR');
    const ok = await (await client.sdk()).accountsGet({ access_token: accessToken });
    assert.equal(ok.status, 200);
  });

  test('the same seed generates the same transactions', async () => {
    const [one, two] = await Promise.all([emulator({ seed: 7 }), emulator({ seed: 7 })]);
    try {
      const a = one.control.transactions(one.control.createItem().itemId);
      const b = two.control.transactions(two.control.createItem().itemId);
      assert.equal(a.length, 60);
      assert.deepEqual(a, b);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
