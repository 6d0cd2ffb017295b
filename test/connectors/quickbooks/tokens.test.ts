import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { QuickBooksClient } from '../../../connectors/quickbooks/client.ts';
import type {
  QuickBooksEmulator,
  QuickBooksEmulatorOptions,
} from '../../../connectors/quickbooks/emulator.ts';
import { QuickBooksInvalidGrantError } from '../../../connectors/quickbooks/oauth.ts';
import { TokenManager } from '../../../connectors/quickbooks/tokens.ts';
import type { CredentialSession, Credentials } from '../../../connectors/types.ts';
import { AuthError, InternalError } from '../../../src/errors.ts';
import { context, credentialsFor, emulator, freshLimiter, MemoryStore, settingsFor } from './helpers.ts';

let emu: QuickBooksEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

/** Credentials whose access token the connector believes is about to expire. */
const expiring = (c: Credentials): Credentials => ({
  ...c,
  access_expires_at: new Date(Date.now() + 60_000).toISOString(),
});

async function setup(options: QuickBooksEmulatorOptions = {}) {
  emu = await emulator(options);
  const e = emu;
  const ctx = context(settingsFor(e));
  const limiter = freshLimiter();
  /** One "process": a manager built from what the store holds, and a client using it. */
  const boot = (session: CredentialSession & { credentials: Credentials }) => {
    const tokens = new TokenManager({ credentials: session.credentials, session });
    return { tokens, client: new QuickBooksClient(tokens, ctx, { limiter }) };
  };
  const refreshes = () => e.control.tokenGrants.refresh_token;
  return { emu: e, ctx, boot, refreshes };
}

describe('QuickBooks token rotation', () => {
  test('the new refresh token is durable before the new access token reaches the API', async () => {
    const { emu, boot } = await setup({ refreshGraceMs: 0 });
    const events: string[] = [];
    emu.control.onRequest((entry) => {
      if (entry.kind === 'api') events.push(`api access=${entry.token}`);
      if (entry.kind === 'token') events.push(`refresh presented=${entry.token}`);
    });
    // A slow store: if anything used the new token before the save finished, it would show up first.
    const store = new MemoryStore(expiring(credentialsFor(emu)), events, 30);
    const { client } = boot(store);
    await Promise.all([client.companyInfo(), client.homeCurrency()]);
    const saved = store.credentials;
    assert.equal(saved['refresh_token'], emu.control.latestRefreshToken());
    const savedAt = events.indexOf(`saved refresh=${saved['refresh_token']} access=${saved['access_token']}`);
    const firstUse = events.indexOf(`api access=${saved['access_token']}`);
    assert.ok(savedAt >= 0 && firstUse > savedAt, events.join('\n'));
    assert.equal(events.filter((e) => e.startsWith('refresh')).length, 1);
  });

  test('a 401 (fault 3200) refreshes once, saves, and replays the request', async () => {
    const { emu, boot, refreshes } = await setup({ refreshGraceMs: 0 });
    const store = new MemoryStore(credentialsFor(emu));
    const { client } = boot(store);
    emu.control.expireAccessTokens();
    const info = await client.companyInfo();
    assert.equal(info.companyName, 'Emulated Books Inc.');
    assert.equal(refreshes(), 1);
    assert.equal(store.saves, 1);
    assert.deepEqual(
      emu.control.requestLog.map((r) => [r.kind, r.status]),
      [
        ['api', 401],
        ['token', 200],
        ['api', 200],
      ],
    );
  });

  test('concurrent callers share one refresh', async () => {
    const { emu, ctx, boot, refreshes } = await setup({ refreshGraceMs: 0 });
    const store = new MemoryStore(expiring(credentialsFor(emu)), [], 10);
    const { tokens } = boot(store);
    const handed = await Promise.all(Array.from({ length: 8 }, () => tokens.accessToken(ctx)));
    assert.equal(new Set(handed).size, 1);
    assert.equal(refreshes(), 1);
    assert.equal(store.saves, 1);
    assert.equal(handed[0], store.credentials['access_token']);
  });

  test('concurrent 401s cause one refresh, not one per request', async () => {
    const { emu, boot, refreshes } = await setup({ refreshGraceMs: 0 });
    const store = new MemoryStore(credentialsFor(emu));
    const { client } = boot(store);
    emu.control.expireAccessTokens();
    await Promise.all(Array.from({ length: 6 }, () => client.homeCurrency()));
    assert.equal(refreshes(), 1);
    assert.equal(store.saves, 1);
  });

  test('after many refreshes across restarts the stored token is always the latest', async () => {
    const { emu, boot, refreshes } = await setup({ refreshGraceMs: 0 });
    const store = new MemoryStore(credentialsFor(emu));
    for (let restart = 1; restart <= 15; restart++) {
      emu.control.expireAccessTokens();
      const { client } = boot(store);
      await client.homeCurrency();
      await client.homeCurrency();
      assert.equal(store.credentials['refresh_token'], emu.control.latestRefreshToken());
      assert.equal(refreshes(), restart);
    }
    // Strict rotation: any use of a stale token would have failed; none was presented.
    assert.equal(emu.control.staleRefreshUses, 0);
  });

  test('invalid_grant is an AuthError, asked of Intuit once, never looped', async () => {
    const { emu, ctx, boot, refreshes } = await setup();
    const store = new MemoryStore(expiring(credentialsFor(emu)));
    emu.control.revokeRefreshTokens();
    const { client, tokens } = boot(store);
    await assert.rejects(client.companyInfo(), QuickBooksInvalidGrantError);
    await assert.rejects(client.homeCurrency(), AuthError);
    await assert.rejects(tokens.accessToken(ctx), AuthError);
    assert.equal(refreshes(), 0);
    assert.equal(emu.control.requestLog.filter((r) => r.kind === 'token').length, 1);
    assert.equal(emu.control.requestLog.filter((r) => r.kind === 'api').length, 0);
    assert.equal(store.saves, 0);
  });

  test('a failed save keeps the new pair, which is saved (not refreshed again) before any use', async () => {
    const { emu, ctx, boot, refreshes } = await setup({ refreshGraceMs: 0 });
    let failures = 1;
    const store = new MemoryStore(expiring(credentialsFor(emu)));
    const flaky = {
      get credentials() {
        return store.credentials;
      },
      save: async (next: Credentials) => {
        if (failures-- > 0) throw new Error('disk full');
        await store.save(next);
      },
    };
    const { tokens } = boot(flaky);
    await assert.rejects(tokens.accessToken(ctx), /disk full/);
    assert.equal(emu.control.requestLog.filter((r) => r.kind === 'api').length, 0);
    const token = await tokens.accessToken(ctx);
    assert.equal(refreshes(), 1);
    assert.equal(token, store.credentials['access_token']);
    assert.equal(store.credentials['refresh_token'], emu.control.latestRefreshToken());
  });

  test('a crash between the refresh and the save is survived with the previous token (Intuit grace)', async () => {
    const { emu, boot } = await setup();
    const store = new MemoryStore(expiring(credentialsFor(emu)));
    const before = store.credentials['refresh_token'];
    // First process: Intuit rotates the token, then the process dies before the store has it.
    const dying = { credentials: store.credentials, save: () => Promise.reject(new Error('killed')) };
    await assert.rejects(boot(dying).client.companyInfo(), /killed/);
    assert.notEqual(emu.control.latestRefreshToken(), before);
    assert.equal(store.credentials['refresh_token'], before);
    // Next process: starts from the store's (replaced) token, refreshes once more and saves the newest.
    const info = await boot(store).client.companyInfo();
    assert.equal(info.companyName, 'Emulated Books Inc.');
    assert.equal(emu.control.staleRefreshUses, 1);
    assert.equal(store.credentials['refresh_token'], emu.control.latestRefreshToken());
  });

  test('past the grace, the same crash ends in one AuthError (needs reconnect), not a loop', async () => {
    const { emu, boot } = await setup({ refreshGraceMs: 0 });
    const store = new MemoryStore(expiring(credentialsFor(emu)));
    const dying = { credentials: store.credentials, save: () => Promise.reject(new Error('killed')) };
    await assert.rejects(boot(dying).client.companyInfo(), /killed/);
    const { client } = boot(store);
    await assert.rejects(client.companyInfo(), QuickBooksInvalidGrantError);
    await assert.rejects(client.companyInfo(), QuickBooksInvalidGrantError);
    assert.equal(emu.control.requestLog.filter((r) => r.kind === 'token').length, 2);
  });

  test('without a credential session a refresh is refused rather than losing the rotated token', async () => {
    const { emu, ctx } = await setup();
    const tokens = new TokenManager({ credentials: expiring(credentialsFor(emu)) });
    await assert.rejects(tokens.accessToken(ctx), InternalError);
    assert.equal(emu.control.requestLog.length, 0);
  });
});
