import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createPlaidLinkToken,
  createSandboxPublicToken,
  plaidConnector,
} from '../../../connectors/plaid/connector.ts';
import type { PlaidEmulator } from '../../../connectors/plaid/emulator.ts';
import { AuthError, ConfigError, UserInputError } from '../../../src/errors.ts';
import { context, emulator, settingsFor } from './helpers.ts';

describe('Plaid connector', () => {
  let emu: PlaidEmulator;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());

  test('declares id, name and one secret credential field: the Link public token', () => {
    assert.equal(plaidConnector.id, 'plaid');
    assert.equal(plaidConnector.displayName, 'Plaid');
    assert.deepEqual(
      plaidConnector.credentialFields.map((f) => [f.key, f.secret]),
      [['public_token', true]],
    );
    assert.deepEqual(
      plaidConnector
        .streams({ access_token: 'access-sandbox-x', item_id: 'i' })
        .map((s) => [s.name, s.primaryKey]),
      [
        ['accounts', 'account_id'],
        ['transactions', 'transaction_id'],
      ],
    );
  });

  test('verify exchanges the public token and returns the access token and item id to store, labelled by bank', async () => {
    const settings = settingsFor(emu);
    const publicToken = await createSandboxPublicToken(settings, 'ins_109511');
    const result = await plaidConnector.verify({ public_token: publicToken }, context(settings));
    assert.deepEqual(Object.keys(result.credentials).sort(), ['access_token', 'item_id']);
    assert.match(result.credentials['access_token'] ?? '', /^access-sandbox-/);
    assert.equal(result.accountLabel, `Tartan Bank (${result.credentials['item_id']})`);
    assert.equal(result.accountId, result.credentials['item_id']);
    assert.doesNotMatch(result.accountLabel, /access-|public-/);
    const paths = emu.control.requestLog.map((e) => e.path);
    assert.deepEqual(paths.slice(-3), [
      '/item/public_token/exchange',
      '/item/get',
      '/institutions/get_by_id',
    ]);
  });

  test('the default sandbox institution is First Platypus Bank', async () => {
    const settings = settingsFor(emu);
    const result = await plaidConnector.verify(
      { public_token: await createSandboxPublicToken(settings) },
      context(settings),
    );
    assert.match(result.accountLabel, /^First Platypus Bank \(/);
  });

  test("when Plaid fails after the exchange, the spent public token's access token is still returned", async () => {
    const settings = settingsFor(emu);
    const publicToken = await createSandboxPublicToken(settings);
    emu.control.failNext(5, 'server_error', '/item/get');
    const result = await plaidConnector.verify({ public_token: publicToken }, context(settings));
    assert.match(result.credentials['access_token'] ?? '', /^access-sandbox-/);
    assert.equal(result.accountLabel, `Plaid item (${result.credentials['item_id']})`);
  });

  test('a public token used twice is an AuthError without the token in the message', async () => {
    const settings = settingsFor(emu);
    const publicToken = await createSandboxPublicToken(settings);
    await plaidConnector.verify({ public_token: publicToken }, context(settings));
    await assert.rejects(plaidConnector.verify({ public_token: publicToken }, context(settings)), (error) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /INVALID_PUBLIC_TOKEN/);
      assert.ok(!error.message.includes(publicToken));
      return true;
    });
  });

  test('without developer keys verify is a ConfigError naming PLAID_CLIENT_ID and PLAID_SECRET', async () => {
    const settings = settingsFor(emu, { clientId: undefined, secret: undefined });
    await assert.rejects(
      plaidConnector.verify({ public_token: 'public-sandbox-x' }, context(settings)),
      (error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PLAID_CLIENT_ID/);
        assert.match(error.message, /PLAID_SECRET/);
        return true;
      },
    );
  });

  test('wrong developer keys are an AuthError that does not reveal them', async () => {
    const good = settingsFor(emu);
    const publicToken = await createSandboxPublicToken(good);
    const secret = 'not-the-real-secret-42';
    await assert.rejects(
      plaidConnector.verify({ public_token: publicToken }, context(settingsFor(emu, { secret }))),
      (error) =>
        error instanceof AuthError &&
        !error.message.includes(secret) &&
        /INVALID_API_KEYS/.test(error.message),
    );
  });

  test('an empty public token is a UserInputError and calls nothing', async () => {
    const before = emu.control.requestLog.length;
    await assert.rejects(
      plaidConnector.verify({ public_token: ' ' }, context(settingsFor(emu))),
      UserInputError,
    );
    assert.equal(emu.control.requestLog.length, before);
  });

  test('stored credentials re-verify without an exchange, and fail once the bank login expires', async () => {
    const settings = settingsFor(emu);
    const item = emu.control.createItem('ins_109512');
    const stored = { access_token: item.accessToken, item_id: item.itemId };
    const result = await plaidConnector.verify(stored, context(settings));
    assert.equal(result.accountLabel, `Houndstooth Bank (${item.itemId})`);
    emu.control.resetLogin(item.itemId);
    await assert.rejects(plaidConnector.verify(stored, context(settings)), (error) => {
      return error instanceof AuthError && /ITEM_LOGIN_REQUIRED/.test(error.message);
    });
  });

  test('createPlaidLinkToken asks Plaid for a Link token for one Slack user', async () => {
    const { linkToken, expiration } = await createPlaidLinkToken(settingsFor(emu), {
      clientUserId: 'U123',
      webhook: 'https://finsync.example/webhooks/plaid',
    });
    assert.match(linkToken, /^link-sandbox-/);
    assert.ok(Date.parse(expiration) > Date.now());
    const sent = emu.control.requestLog.at(-1)?.body;
    assert.deepEqual(sent?.['user'], { client_user_id: 'U123' });
    assert.equal(sent?.['webhook'], 'https://finsync.example/webhooks/plaid');
  });
});
