import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CountryCode, Products } from 'plaid';
import { createPlaidClient, type PlaidClient } from '../../../connectors/plaid/client.ts';
import type { PlaidEmulator } from '../../../connectors/plaid/emulator.ts';
import { emulator, settingsFor } from './helpers.ts';

/** What Link's login form posts (emulator-link.ts); the browser test drives the same through the frame. */
async function submit(
  emu: PlaidEmulator,
  body: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emu.url}/link/v2/stable/emulator/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the Plaid emulator's Link stand-in", () => {
  let emu: PlaidEmulator;
  let client: PlaidClient;

  before(async () => {
    emu = await emulator();
    client = createPlaidClient(settingsFor(emu));
  });
  after(async () => {
    await emu.close();
  });

  const linkToken = async (extra: object = { products: [Products.Transactions] }) =>
    (
      await (
        await client.sdk()
      ).linkTokenCreate({
        client_name: 'finsync',
        language: 'en',
        country_codes: [CountryCode.Us],
        user: { client_user_id: 'U1' },
        webhook: 'https://finsync.test/webhooks/plaid',
        ...extra,
      })
    ).data.link_token;

  test('serves the Link script and frame a browser loads from the CDN path', async () => {
    const script = await fetch(`${emu.url}/link/v2/stable/link-initialize.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.match(await script.text(), /window\.Plaid = \{/);
    const frame = await fetch(`${emu.url}/link/v2/stable/link.html?token=${await linkToken()}&origin=x`);
    assert.match(await frame.text(), /First Platypus Bank/);
  });

  test('a wrong sandbox password is refused; user_good / pass_good link a new item with the token’s webhook, once', async () => {
    const token = await linkToken();
    const wrong = await submit(emu, {
      link_token: token,
      institution_id: 'ins_109508',
      username: 'user_good',
      password: 'nope',
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body['error_code'], 'INVALID_CREDENTIALS');

    const good = {
      link_token: token,
      institution_id: 'ins_109508',
      username: 'user_good',
      password: 'pass_good',
    };
    const linked = await submit(emu, good);
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    const exchanged = await (await client.sdk()).itemPublicTokenExchange({
      public_token: String(linked.body['public_token']),
    });
    const item = await (await client.sdk()).itemGet({ access_token: exchanged.data.access_token });
    assert.equal(item.data.item.institution_id, 'ins_109508');
    assert.equal(item.data.item.webhook, 'https://finsync.test/webhooks/plaid');

    assert.equal(
      (await submit(emu, good)).body['error_code'],
      'INVALID_LINK_TOKEN',
      'a link token links once',
    );
  });

  test('update mode logs the same item in again and clears its error', async () => {
    const { itemId, accessToken } = emu.control.createItem();
    emu.control.resetLogin(itemId);
    const token = await linkToken({ access_token: accessToken });
    const linked = await submit(emu, { link_token: token, username: 'user_good', password: 'pass_good' });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    const item = await (await client.sdk()).itemGet({ access_token: accessToken });
    assert.equal(item.data.item.item_id, itemId);
    assert.equal(item.data.item.error, null);
  });
});
