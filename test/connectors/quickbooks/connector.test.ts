import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createQuickBooksConnector, quickbooksConnector } from '../../../connectors/quickbooks/connector.ts';
import type { QuickBooksEmulator } from '../../../connectors/quickbooks/emulator.ts';
import { RealmLimiter } from '../../../connectors/quickbooks/limiter.ts';
import { authorizeUrl, exchangeCode } from '../../../connectors/quickbooks/oauth.ts';
import type { Credentials } from '../../../connectors/types.ts';
import { AuthError, ConfigError, UserInputError } from '../../../src/errors.ts';
import {
  context,
  credentialsFor,
  emulator,
  MemoryLedger,
  MemoryStore,
  settingsFor,
  streamNamed,
} from './helpers.ts';

let emu: QuickBooksEmulator;
before(async () => {
  emu = await emulator({ refreshGraceMs: 0 });
});
after(() => emu.close());

const connector = () => createQuickBooksConnector({ limiter: new RealmLimiter() });

describe('QuickBooks connector', () => {
  test('connects by OAuth: no typed credential fields; three streams', () => {
    assert.equal(quickbooksConnector.id, 'quickbooks');
    assert.equal(quickbooksConnector.displayName, 'QuickBooks Online');
    assert.deepEqual(quickbooksConnector.credentialFields, []);
    const streams = quickbooksConnector.streams(credentialsFor(emu), new MemoryStore({}));
    assert.deepEqual(
      streams.map((s) => s.name),
      ['customers', 'invoices', 'payments'],
    );
  });

  test('verify labels the company from CompanyInfo and captures the home currency', async () => {
    const realmId = emu.control.realmIds[1]!;
    const { home_currency: _, ...input } = credentialsFor(emu, realmId);
    const result = await connector().verify(input, context(settingsFor(emu)));
    assert.equal(result.accountLabel, `Emulated Global Trading (${realmId})`);
    assert.equal(result.accountId, realmId);
    assert.equal(result.credentials['home_currency'], 'USD');
    assert.equal(result.credentials['refresh_token'], input['refresh_token']);
  });

  test('verify with an expired access token returns the rotated credentials to store', async () => {
    const input: Credentials = { ...credentialsFor(emu), access_expires_at: new Date(0).toISOString() };
    const result = await connector().verify(input, context(settingsFor(emu)));
    assert.notEqual(result.credentials['refresh_token'], input['refresh_token']);
    assert.equal(result.credentials['refresh_token'], emu.control.latestRefreshToken());
  });

  test('verify refuses typed input, revoked tokens and missing app keys', async () => {
    const ctx = context(settingsFor(emu));
    await assert.rejects(connector().verify({ api_key: 'x' }, ctx), UserInputError);
    const revoked = { ...credentialsFor(emu), access_expires_at: new Date(0).toISOString() };
    emu.control.revokeRefreshTokens();
    await assert.rejects(connector().verify(revoked, ctx), AuthError);
    const noKeys = context(settingsFor(emu, { clientId: undefined, clientSecret: undefined }));
    await assert.rejects(connector().verify(credentialsFor(emu), noKeys), (error: unknown) => {
      return error instanceof ConfigError && /QUICKBOOKS_CLIENT_ID/.test(error.message);
    });
  });

  test('consent → code exchange → verify → sync, with rotated tokens saved along the way', async () => {
    const settings = settingsFor(emu);
    const redirect = await fetch(authorizeUrl({ settings, state: 's' }), { redirect: 'manual' });
    const params = new URL(redirect.headers.get('location')!).searchParams;
    const input = await exchangeCode({
      settings,
      code: params.get('code')!,
      realmId: params.get('realmId')!,
    });
    const ctx = context(settings);
    const verified = await connector().verify(input, ctx);
    const store = new MemoryStore(verified.credentials);
    emu.control.expireAccessTokens();
    const ledger = new MemoryLedger();
    await ledger.sync(streamNamed(connector().streams(store.credentials, store), 'payments'), ctx);
    assert.equal(ledger.records.size, emu.control.entities('Payment').length);
    assert.equal(store.saves, 1);
    assert.equal(store.credentials['refresh_token'], emu.control.latestRefreshToken());
    assert.equal(store.credentials['home_currency'], 'USD');
  });
});
