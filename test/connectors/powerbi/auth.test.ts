import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { msalConfiguration, POWER_BI_SCOPE, TokenSource } from '../../../connectors/powerbi/auth.ts';
import { type PowerBiEmulator, startPowerBiEmulator } from '../../../connectors/powerbi/emulator.ts';
import { AuthError, ConfigError, TransientError } from '../../../src/errors.ts';
import { settingsFor } from './helpers.ts';

let emu: PowerBiEmulator;
before(async () => {
  emu = await startPowerBiEmulator();
});
after(() => emu.close());
beforeEach(() => {
  emu.control.clearLog();
  emu.control.clearFaults();
});

const identity = (secret = emu.control.clientSecret, tenantId = emu.control.tenantId) => ({
  tenantId,
  clientId: emu.control.clientId,
  clientSecret: secret,
});
const settings = () => settingsFor(emu);
const tokenRequests = () => emu.control.requestLog.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));

describe('power bi tokens through MSAL', () => {
  test('client credentials against the emulator give a token, cached by MSAL for the next call', async () => {
    const source = new TokenSource(identity(), settings(), { timeoutMs: 2_000 });
    const first = await source.token();
    assert.match(first, /^emu\./);
    assert.equal(await source.token(), first);
    assert.equal(tokenRequests().length, 1);
    assert.notEqual(await source.token(true), first, 'a forced refresh asks for a new token');
    assert.equal(tokenRequests().length, 2);
  });

  test("a wrong secret is an AuthError with Microsoft's message and without the secret", async () => {
    const secret = 'wrong~Secret.value-that-must-not-leak';
    const error = await new TokenSource(identity(secret), settings()).token().then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AuthError);
    assert.match(error.message, /AADSTS7000215: Invalid client secret provided/);
    assert.doesNotMatch(error.message, /Trace ID/);
    assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret));
  });

  test('an unknown tenant is an AuthError naming it', async () => {
    const error = await new TokenSource(identity(undefined, 'contoso.onmicrosoft.com'), {
      ...settings(),
      tokenUrl: `${emu.url}/{tenant}/oauth2/v2.0/token`,
    })
      .token()
      .catch((e: unknown) => e);
    assert.ok(error instanceof AuthError);
    assert.match(error.message, /AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found/);
  });

  test('a 500 from the token endpoint is transient', async () => {
    emu.control.failNext(1, '500', '/oauth2/');
    await assert.rejects(new TokenSource(identity(), settings()).token(), TransientError);
  });

  test('MS_TOKEN_URL may carry {tenant}, replaced per connection', () => {
    const config = msalConfiguration(identity(), {
      ...settings(),
      tokenUrl: 'http://127.0.0.1:1/{tenant}/token',
    });
    const metadata = JSON.parse(config.auth.authorityMetadata ?? '{}') as { token_endpoint: string };
    assert.equal(metadata.token_endpoint, `http://127.0.0.1:1/${emu.control.tenantId}/token`);
  });
});

describe('power bi authority configuration', () => {
  test('production: the Microsoft authority for the tenant, with MSAL discovery left alone', () => {
    const config = msalConfiguration(
      { tenantId: 'contoso.onmicrosoft.com', clientId: 'c', clientSecret: 's' },
      { authorityHost: 'https://login.microsoftonline.com', apiBase: 'https://api.powerbi.com' },
    );
    assert.equal(config.auth.authority, 'https://login.microsoftonline.com/contoso.onmicrosoft.com');
    assert.equal(config.auth.knownAuthorities, undefined);
    assert.equal(config.auth.authorityMetadata, undefined);
  });

  test('emulator: an https authority, declared known, whose metadata points at the token URL', () => {
    const config = msalConfiguration(identity(), {
      ...settings(),
      authorityHost: 'https://login.emulator.test',
    });
    assert.equal(config.auth.authority, `https://login.emulator.test/${emu.control.tenantId}`);
    assert.deepEqual(config.auth.knownAuthorities, ['login.emulator.test']);
    assert.equal(JSON.parse(config.auth.authorityMetadata ?? '{}').token_endpoint, emu.tokenUrl);
  });

  test('an http authority host is a ConfigError, never passed to MSAL', () => {
    assert.throws(
      () => msalConfiguration(identity(), { authorityHost: 'http://login.example', apiBase: emu.url }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'MS_AUTHORITY_HOST',
    );
  });

  test('the scope is the Power BI service default scope', () => {
    assert.equal(POWER_BI_SCOPE, 'https://analysis.windows.net/powerbi/api/.default');
  });
});
