import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { QuickBooksEmulator } from '../../../connectors/quickbooks/emulator.ts';
import { at, emulator, keysAt } from './helpers.ts';

let emu: QuickBooksEmulator;
let clock = Date.UTC(2025, 5, 1);
before(async () => {
  emu = await emulator({ now: () => clock, refreshGraceMs: 0 });
});
after(() => emu.close());
beforeEach(() => {
  emu.control.clearFaults();
  emu.control.clearLog();
});

const realm = () => emu.control.realmIds[0]!;
const basic = () => `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`;

async function api(path: string, token: string, realmId = realm()) {
  const response = await fetch(`${emu.url}/v3/company/${realmId}/${path}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function token(form: Record<string, string>, authorization = basic()) {
  const response = await fetch(`${emu.url}/oauth2/v1/tokens/bearer`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

const query = (q: string, t: string) => api(`query?query=${encodeURIComponent(q)}&minorversion=75`, t);

describe('QuickBooks emulator: v3 API', () => {
  test('query pages with STARTPOSITION/MAXRESULTS and answers an empty page with an empty QueryResponse', async () => {
    const t = emu.control.issueTokens().access_token;
    const first = await query('SELECT * FROM Invoice STARTPOSITION 1 MAXRESULTS 20', t);
    assert.equal(first.status, 200);
    assert.equal(at(first.body, 'QueryResponse.Invoice.length'), 20);
    assert.equal(at(first.body, 'QueryResponse.startPosition'), 1);
    assert.equal(at(first.body, 'QueryResponse.maxResults'), 20);
    assert.match(String(at(first.body, 'time')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-07:00$/);
    const last = await query('select * from invoice startposition 41 maxresults 20', t);
    assert.equal(at(last.body, 'QueryResponse.Invoice.length'), 10);
    const none = await query('SELECT * FROM Invoice STARTPOSITION 1001 MAXRESULTS 1000', t);
    assert.deepEqual(at(none.body, 'QueryResponse'), {});
    const count = await query('SELECT COUNT(*) FROM Invoice', t);
    assert.equal(at(count.body, 'QueryResponse.totalCount'), 50);
  });

  test('a customer query omits inactive customers unless Active IN (true, false) asks for them', async () => {
    const t = emu.control.issueTokens().access_token;
    const created = emu.control.create('Customer', { displayName: 'Gone Fishing' });
    emu.control.update('Customer', String(created['Id']), { active: false });
    const active = await query('SELECT * FROM Customer MAXRESULTS 1000', t);
    const all = await query('SELECT * FROM Customer WHERE Active IN (true, false) MAXRESULTS 1000', t);
    assert.equal(
      at(all.body, 'QueryResponse.Customer.length'),
      Number(at(active.body, 'QueryResponse.Customer.length')) + 1,
    );
  });

  test('a malformed query is a ValidationFault with code 4000', async () => {
    const t = emu.control.issueTokens().access_token;
    const { status, body } = await query('SELECT * FROM Invoice WHERE Bogus = 1', t);
    assert.equal(status, 400);
    assert.equal(at(body, 'Fault.type'), 'ValidationFault');
    assert.equal(at(body, 'Fault.Error.0.code'), '4000');
    assert.match(String(at(body, 'Fault.Error.0.Message')), /Error parsing query/);
  });

  test('CDC reports creates, updates and deletes since a time, and refuses more than 30 days back', async () => {
    const t = emu.control.issueTokens().access_token;
    clock += 60_000;
    const since = new Date(clock - 1000).toISOString();
    const created = emu.control.create('Invoice', { amounts: ['0.1', '0.2'] });
    emu.control.delete('Invoice', '1003');
    const { body } = await api(`cdc?entities=Invoice,Customer&changedSince=${since}`, t);
    const list = at(body, 'CDCResponse.0.QueryResponse.0.Invoice') as unknown[];
    const byId = new Map(list.map((i) => [String(at(i, 'Id')), i]));
    assert.equal(at(byId.get(String(created['Id'])), 'TotalAmt'), 0.3);
    assert.deepEqual(keysAt(byId.get('1003')), ['Id', 'MetaData', 'domain', 'status']);
    assert.equal(at(byId.get('1003'), 'status'), 'Deleted');
    assert.deepEqual(at(body, 'CDCResponse.0.QueryResponse.1'), {});
    const old = new Date(clock - 31 * 86_400_000).toISOString();
    const refused = await api(`cdc?entities=Invoice&changedSince=${old}`, t);
    assert.equal(refused.status, 400);
    assert.equal(at(refused.body, 'Fault.type'), 'ValidationFault');
    assert.match(String(at(refused.body, 'Fault.Error.0.Detail')), /30 days/);
  });

  test('an expired access token is an AuthenticationFault 401 with code 3200; another company is 403', async () => {
    const t = emu.control.issueTokens().access_token;
    assert.equal((await api(`companyinfo/${realm()}`, t)).status, 200);
    const other = emu.control.realmIds[1]!;
    assert.equal((await api(`companyinfo/${other}`, t, other)).status, 403);
    clock += 3600 * 1000;
    const { status, body } = await api(`companyinfo/${realm()}`, t);
    assert.equal(status, 401);
    assert.equal(at(body, 'Fault.type'), 'AuthenticationFault');
    assert.equal(at(body, 'Fault.Error.0.code'), '3200');
  });

  test('more than 10 concurrent requests per company are refused with 429', async () => {
    const t = emu.control.issueTokens().access_token;
    const release = emu.control.holdAnswers();
    const pending = Array.from({ length: 12 }, () =>
      fetch(`${emu.url}/v3/company/${realm()}/preferences`, {
        headers: { Authorization: `Bearer ${t}` },
      }).then((r) => r.status),
    );
    while (emu.control.requestLog.length < 12) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const statuses = await Promise.all(pending);
    assert.equal(statuses.filter((s) => s === 429).length, 2);
    assert.equal(statuses.filter((s) => s === 200).length, 10);
    assert.equal(emu.control.peakConcurrency(), 12);
  });

  test('more than maxPerMinute requests in a minute are refused with 429 until the window moves', async () => {
    let now = Date.UTC(2025, 0, 1);
    const limited = await emulator({ maxPerMinute: 3, now: () => now });
    try {
      const t = limited.control.issueTokens().access_token;
      const call = () =>
        fetch(`${limited.url}/v3/company/${limited.control.realmIds[0]}/preferences`, {
          headers: { Authorization: `Bearer ${t}` },
        }).then((r) => r.status);
      const statuses = [await call(), await call(), await call(), await call()];
      now += 60_001;
      statuses.push(await call());
      assert.deepEqual(statuses, [200, 200, 200, 429, 200]);
    } finally {
      await limited.close();
    }
  });

  test('failNext injects 429 and 500 Faults', async () => {
    const t = emu.control.issueTokens().access_token;
    emu.control.failNext(1, '429');
    emu.control.failNext(1, '500');
    const throttled = await api('preferences', t);
    assert.equal(throttled.status, 429);
    assert.equal(at(throttled.body, 'Fault.Error.0.code'), '3001');
    assert.equal((await api('preferences', t)).status, 500);
    assert.equal((await api('preferences', t)).status, 200);
  });
});

describe('QuickBooks emulator: OAuth', () => {
  test('consent redirects with code, state and realmId; the code works once', async () => {
    const redirect = 'http://127.0.0.1:3000/oauth/quickbooks/callback';
    const url = `${emu.url}/oauth2/authorize?${new URLSearchParams({
      client_id: emu.clientId,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      redirect_uri: redirect,
      state: 'st4te',
    })}`;
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const back = new URL(response.headers.get('location')!);
    assert.equal(back.searchParams.get('state'), 'st4te');
    assert.equal(back.searchParams.get('realmId'), realm());
    const form = {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: redirect,
    };
    const granted = await token(form);
    assert.equal(granted.status, 200);
    assert.deepEqual(keysAt(granted.body), [
      'access_token',
      'expires_in',
      'refresh_token',
      'token_type',
      'x_refresh_token_expires_in',
    ]);
    assert.equal(at(granted.body, 'expires_in'), 3600);
    assert.deepEqual(await token(form), { status: 400, body: { error: 'invalid_grant' } });
    emu.control.setConsent({ deny: true });
    const denied = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('code'), null);
    emu.control.setConsent({});
  });

  test('refresh tokens rotate: the previous one is invalid_grant (strict mode), the new one works', async () => {
    const first = emu.control.issueTokens();
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    assert.equal(second.status, 200);
    assert.notEqual(at(second.body, 'refresh_token'), first.refresh_token);
    assert.equal(emu.control.latestRefreshToken(), at(second.body, 'refresh_token'));
    const reused = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    assert.deepEqual(reused, {
      status: 400,
      body: { error_description: 'Token invalid', error: 'invalid_grant' },
    });
    const wrongClient = await token(
      { grant_type: 'refresh_token', refresh_token: String(at(second.body, 'refresh_token')) },
      'Basic eDp5',
    );
    assert.deepEqual(wrongClient, { status: 401, body: { error: 'invalid_client' } });
    emu.control.revokeRefreshTokens();
    const revoked = await token({
      grant_type: 'refresh_token',
      refresh_token: String(at(second.body, 'refresh_token')),
    });
    assert.equal(revoked.status, 400);
  });

  test('with a grace period, a replaced refresh token still works for that long', async () => {
    let now = Date.UTC(2025, 0, 1);
    const graceful = await emulator({ now: () => now, refreshGraceMs: 3_600_000 });
    try {
      const post = (refresh: string) =>
        fetch(`${graceful.url}/oauth2/v1/tokens/bearer`, {
          method: 'POST',
          headers: {
            Authorization: `Basic ${Buffer.from(`${graceful.clientId}:${graceful.clientSecret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }),
        }).then((r) => r.status);
      const old = graceful.control.issueTokens().refresh_token;
      assert.equal(await post(old), 200);
      now += 59 * 60_000;
      assert.equal(await post(old), 200);
      assert.equal(graceful.control.staleRefreshUses, 1);
      now += 2 * 60_000;
      assert.equal(await post(old), 400);
    } finally {
      await graceful.close();
    }
  });
});
