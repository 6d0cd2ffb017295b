import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createSageConnector } from '../../../connectors/sage/connector.ts';
import type { SageEmulator } from '../../../connectors/sage/emulator.ts';
import {
  authorizeUrl,
  refreshGrant,
  revokeRefreshToken,
  SageInvalidGrantError,
} from '../../../connectors/sage/oauth.ts';
import { sageStreams } from '../../../connectors/sage/streams.ts';
import { SageTokens } from '../../../connectors/sage/tokens.ts';
import type { Credentials } from '../../../connectors/types.ts';
import { AuthError, TransientError } from '../../../src/errors.ts';
import {
  context,
  credentialsFor,
  emulator,
  MemoryLedger,
  MemoryStore,
  settingsFor,
  streamNamed,
} from './helpers.ts';

let emu: SageEmulator;
let now = Date.UTC(2026, 0, 10, 12);
const clock = () => now;

describe('Sage tokens and access', () => {
  before(async () => {
    emu = await emulator({ now: clock });
  });
  after(async () => emu.close());

  test('revoking a refresh token ends its refreshes; a token Sage already refuses is revoked already; a 5xx is an error', async () => {
    const issued = emu.control.issueTokens();
    await revokeRefreshToken(settingsFor(emu), issued.refresh_token);
    await assert.rejects(
      refreshGrant(settingsFor(emu), issued.refresh_token, { now: clock }),
      SageInvalidGrantError,
    );
    // A revoke endpoint answering as a token endpoint does for a dead token, then one failing.
    let status = 400;
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 400 ? { error: 'invalid_grant' } : { error: 'server_error' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const elsewhere = { ...settingsFor(emu), tokenUrl: `http://127.0.0.1:${port}/token` };
    try {
      await revokeRefreshToken(elsewhere, 'dead-token');
      status = 503;
      await assert.rejects(revokeRefreshToken(elsewhere, 'live-token'), TransientError);
      assert.deepEqual(paths, ['/revoke', '/revoke'], 'beside the token endpoint');
    } finally {
      server.close();
    }
  });

  test('the consent link asks for read-only access, the country, and carries the state', () => {
    const url = new URL(authorizeUrl(settingsFor(emu), 'st4te'));
    assert.deepEqual(
      ['client_id', 'response_type', 'scope', 'country', 'state', 'filter'].map((k) =>
        url.searchParams.get(k),
      ),
      [emu.clientId, 'code', 'readonly', 'gb', 'st4te', 'apiv3.1'],
    );
  });

  test('an expired access token is refreshed once for all streams; the rotated pair is saved before any use', async () => {
    const store = new MemoryStore(credentialsFor(emu, undefined, 'user-single', now));
    const first = store.credentials['refresh_token'];
    now += 10 * 60_000; // Sage's access tokens live five minutes
    const streams = sageStreams(store.credentials, store, { now: clock });
    const ctx = context(settingsFor(emu));
    emu.control.clearRequests();
    const before = emu.control.tokenGrants.refresh_token;
    // Two streams read at once: one refresh between them.
    await Promise.all(
      ['contacts', 'bank_accounts'].map((name) => new MemoryLedger().sync(streamNamed(streams, name), ctx)),
    );
    assert.equal(emu.control.tokenGrants.refresh_token - before, 1);
    assert.equal(store.saves, 1);
    assert.equal(store.credentials['refresh_token'], emu.control.latestRefreshToken('user-single'));
    assert.notEqual(store.credentials['refresh_token'], first);
    // Every API call after the refresh used the saved access token, never the expired one.
    const tokens = new Set(
      emu.control.requests.filter((r) => r.kind === 'api' && r.status === 200).map((r) => r.token),
    );
    assert.deepEqual([...tokens], [store.credentials['access_token']]);
  });

  test('a 401 refreshes and retries once; invalid_grant is one AuthError with no second refresh', async () => {
    const store = new MemoryStore(credentialsFor(emu, undefined, 'user-single', now));
    const streams = sageStreams(store.credentials, store, { now: clock });
    const ctx = context(settingsFor(emu));
    emu.control.expireAccessTokens(); // refused by the API although our clock says fresh: a 401
    await new MemoryLedger().sync(streamNamed(streams, 'contacts'), ctx);
    assert.equal(store.saves, 1);

    emu.control.revokeAll();
    emu.control.expireAccessTokens();
    const grants = emu.control.tokenGrants.refresh_token;
    emu.control.clearRequests();
    await assert.rejects(new MemoryLedger().sync(streamNamed(streams, 'bank_accounts'), ctx), AuthError);
    await assert.rejects(new MemoryLedger().sync(streamNamed(streams, 'contact_payments'), ctx), /reconnect/);
    const refreshes = emu.control.requests.filter((r) => r.kind === 'token');
    assert.equal(refreshes.length, 1, 'invalid_grant is final: Sage is not asked again');
    assert.equal(emu.control.tokenGrants.refresh_token, grants);
  });

  test('a used refresh token is refused (each works once)', async () => {
    const store = new MemoryStore(credentialsFor(emu, undefined, 'user-single', now));
    const stale = { ...store.credentials };
    now += 10 * 60_000;
    await new MemoryLedger().sync(
      streamNamed(sageStreams(store.credentials, store, { now: clock }), 'contacts'),
      context(settingsFor(emu)),
    );
    const replays = emu.control.replayedRefreshes;
    // A process that kept the old credentials presents the used token: invalid_grant.
    await assert.rejects(
      new MemoryLedger().sync(
        streamNamed(sageStreams(stale, new MemoryStore(stale), { now: clock }), 'contacts'),
        context(settingsFor(emu)),
      ),
      AuthError,
    );
    assert.equal(emu.control.replayedRefreshes, replays + 1);
  });

  test('a business the user no longer reaches (MultiUserAccessDenied) is an AuthError naming the fix', async () => {
    const store = new MemoryStore(credentialsFor(emu, emu.control.businessIds[1]!, 'user-single', now));
    const streams = sageStreams(store.credentials, store, { now: clock });
    await assert.rejects(
      new MemoryLedger().sync(streamNamed(streams, 'contacts'), context(settingsFor(emu))),
      (error: unknown) =>
        error instanceof AuthError && /MultiUserAccessDenied.*lost access/.test(error.message),
    );
  });

  test('verify binds one business: the only one, or the chosen one of several; several and none chosen is refused; reads the base currency', async () => {
    const connector = createSageConnector({ now: clock });
    const ctx = context(settingsFor(emu));
    const mint = (user: string) => {
      const t = emu.control.issueTokens(user);
      return {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        access_expires_at: new Date(now + 300_000).toISOString(),
        refresh_expires_at: new Date(now + 1e9).toISOString(),
      };
    };
    const [gb, eu] = emu.control.businessIds;
    const single = await connector.verify(mint('user-single'), ctx);
    const chosen = await connector.verify({ ...mint('user-multi'), business_id: gb! }, ctx);
    assert.deepEqual(
      [single, chosen].map((v) => [
        v.accountId,
        v.accountLabel,
        v.credentials['business_id'],
        v.credentials['base_currency'],
      ]),
      [
        [gb, `Emulated Sage Ltd (${gb})`, gb, 'GBP'],
        [gb, `Emulated Sage Ltd (${gb})`, gb, 'GBP'],
      ],
    );
    await assert.rejects(
      connector.verify(mint('user-multi'), ctx),
      /reaches several businesses \(Emulated Sage Europe .*Emulated Sage Ltd .*\) and none was chosen/,
    );
    await assert.rejects(
      connector.verify({ ...mint('user-europe'), business_id: gb!, business_name: 'Emulated Sage Ltd' }, ctx),
      (error: unknown) =>
        error instanceof AuthError &&
        new RegExp(`reaches Emulated Sage Europe \\(${eu}\\), not Emulated Sage Ltd`).test(error.message),
    );
  });

  test('balances are each bank account balance, exact, in the business currency', async () => {
    const connector = createSageConnector({ now: clock });
    const balances = await connector.balances!(
      credentialsFor(emu, undefined, 'user-single', now),
      context(settingsFor(emu)),
    );
    assert.deepEqual(
      balances.map((b) => [b.account, b.currency, b.kind, b.amount]),
      [
        ['Sage Current Account (1200)', 'GBP', 'current', 1_250_075],
        ['Sage Savings (1210)', 'GBP', 'current', 500_000],
        ['Sage Cash in Hand (1230)', 'GBP', 'current', -1_005],
      ],
    );
  });

  test('a refresh that lost a race to another holder of the grant adopts the stored rotation; unchanged, invalid_grant stays final', async () => {
    // One durable store, two holders (as two processes): each saves only over the credentials it holds.
    const shared = { credentials: credentialsFor(emu, undefined, 'user-single', now) };
    const holder = () => {
      let held = shared.credentials;
      return {
        save: async (next: Credentials) => {
          if (shared.credentials !== held) throw new Error('replaced meanwhile');
          shared.credentials = next;
          held = next;
        },
        reload: async () => {
          if (shared.credentials === held) return null;
          held = shared.credentials;
          return held;
        },
      };
    };
    now += 10 * 60_000;
    const ctx = context(settingsFor(emu));
    const [a, b] = [holder(), holder()].map(
      (session) => new SageTokens({ credentials: shared.credentials, session, now: clock }),
    );
    const grants = emu.control.tokenGrants.refresh_token;
    const replays = emu.control.replayedRefreshes;
    const [ta, tb] = await Promise.all([a!.accessToken(ctx), b!.accessToken(ctx)]);
    assert.equal(ta, tb, 'both use the one rotated access token');
    assert.equal(emu.control.tokenGrants.refresh_token - grants, 1, 'one rotation');
    assert.equal(emu.control.replayedRefreshes - replays, 1, "the loser's refused attempt");
    assert.equal(shared.credentials['refresh_token'], emu.control.latestRefreshToken('user-single'));

    // Nobody else rotated: the store still holds the refused token after the grace, so it is final.
    emu.control.revokeAll();
    now += 10 * 60_000;
    ctx.sleeps.length = 0;
    const c = new SageTokens({ credentials: shared.credentials, session: holder(), now: clock });
    await assert.rejects(c.accessToken(ctx), AuthError);
    assert.deepEqual(ctx.sleeps, [250, 500, 1_250], 'the store was re-read over the grace');
    await assert.rejects(c.accessToken(ctx), AuthError);
  });
});
