import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { QuickBooksEmulator } from '../../../connectors/quickbooks/emulator.ts';
import { authorizeUrl, exchangeCode, revokeToken, revokeUrl } from '../../../connectors/quickbooks/oauth.ts';
import { AuthError, ConfigError, TransientError } from '../../../src/errors.ts';
import { emulator, settingsFor } from './helpers.ts';

let emu: QuickBooksEmulator;
before(async () => {
  emu = await emulator();
});
after(() => emu.close());

/** Follows the consent page the way a browser would and returns what Intuit put on the callback URL. */
async function consent(state = 'state-1'): Promise<URLSearchParams> {
  const response = await fetch(authorizeUrl({ settings: settingsFor(emu), state }), { redirect: 'manual' });
  assert.equal(response.status, 302);
  return new URL(response.headers.get('location')!).searchParams;
}

describe('QuickBooks OAuth', () => {
  test('the consent URL carries the app, the accounting scope, the redirect URI and the state', () => {
    const url = new URL(authorizeUrl({ settings: settingsFor(emu), state: 'abc' }));
    assert.equal(url.origin + url.pathname, `${emu.url}/oauth2/authorize`);
    assert.equal(url.searchParams.get('client_id'), emu.clientId);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('scope'), 'com.intuit.quickbooks.accounting');
    assert.equal(url.searchParams.get('redirect_uri'), 'http://127.0.0.1:3000/oauth/quickbooks/callback');
    assert.equal(url.searchParams.get('state'), 'abc');
  });

  test('missing app keys are a ConfigError naming the setting', () => {
    assert.throws(
      () => authorizeUrl({ settings: settingsFor(emu, { clientId: undefined }), state: 'x' }),
      (error: unknown) => error instanceof ConfigError && error.setting === 'QUICKBOOKS_CLIENT_ID',
    );
    assert.throws(
      () => authorizeUrl({ settings: settingsFor(emu, { clientSecret: undefined }), state: 'x' }),
      (error: unknown) => error instanceof ConfigError && /QUICKBOOKS_CLIENT_SECRET/.test(error.message),
    );
    const none = settingsFor(emu, { clientId: undefined, clientSecret: undefined });
    assert.throws(
      () => authorizeUrl({ settings: none, state: 'x' }),
      (error: unknown) => error instanceof ConfigError && /QUICKBOOKS_CLIENT_ID/.test(error.message),
    );
  });

  test('a code is exchanged for the company id and a token pair with expiry times', async () => {
    const params = await consent();
    const before = Date.now();
    const credentials = await exchangeCode({
      settings: settingsFor(emu),
      code: params.get('code')!,
      realmId: params.get('realmId')!,
    });
    assert.equal(credentials['realm_id'], emu.control.realmIds[0]);
    assert.equal(credentials['refresh_token'], emu.control.latestRefreshToken());
    assert.ok(credentials['access_token']);
    const accessExpires = Date.parse(credentials['access_expires_at']!);
    assert.ok(accessExpires >= before + 3_600_000 - 5_000 && accessExpires <= Date.now() + 3_600_000);
    assert.ok(Date.parse(credentials['refresh_expires_at']!) > before + 100 * 86_400_000);
  });

  test("Intuit's refusal of a used code is an AuthError that says to start again", async () => {
    const params = await consent();
    const request = {
      settings: settingsFor(emu),
      code: params.get('code')!,
      realmId: params.get('realmId')!,
    };
    await exchangeCode(request);
    await assert.rejects(exchangeCode(request), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /invalid_grant/);
      assert.match(error.message, /connect quickbooks/);
      return true;
    });
  });

  test('wrong app keys are a ConfigError; a failing token endpoint is transient', async () => {
    const params = await consent();
    const code = params.get('code')!;
    const realmId = params.get('realmId')!;
    await assert.rejects(
      exchangeCode({ settings: settingsFor(emu, { clientSecret: 'wrong-secret' }), code, realmId }),
      (error: unknown) => error instanceof ConfigError && error.setting === 'QUICKBOOKS_CLIENT_SECRET',
    );
    emu.control.failNext(1, '500', '/oauth2/');
    await assert.rejects(exchangeCode({ settings: settingsFor(emu), code, realmId }), TransientError);
  });

  test('revoking a token ends the grant', async () => {
    const tokens = emu.control.issueTokens();
    await revokeToken({ settings: settingsFor(emu), token: tokens.refresh_token });
    const status = await fetch(`${emu.url}/v3/company/${emu.control.realmIds[0]}/preferences`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    }).then((r) => r.status);
    assert.equal(status, 401);
    assert.equal(
      revokeUrl('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer'),
      'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
    );
  });
});
