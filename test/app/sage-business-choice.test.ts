/**
 * The business a Sage connection syncs is chosen at connect, through the real app over HTTP: a user with one
 * business is not asked; a user with several is asked on a page after consent (their names, nothing secret),
 * while the exchanged tokens wait sealed in the hand-off's session. The posted choice must be a business the
 * grant reaches; the state ends once (a double submit connects once), and a forged or expired one changes
 * nothing. The chosen business is the one synced (X-Business) and the one Slack names.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;
let n = 0;
const [GB, EU] = ['0d40342d0287cd6b13555c54afca6c90', '7e61a0f1b2c34d5e8f90a1b2c3d4e5f6'];

/** /finsync connect sage, consent as `user` on Sage's page, and follow the redirect back to finsync. */
async function consentAs(user: string): Promise<{ page: Response; html: string; state: string }> {
  const id = `choice${++n}`;
  await sendSlashCommand(h.target, {
    text: 'connect sage',
    userId: ADMIN,
    responseUrl: h.slack.responseUrl(id),
  });
  const reply = JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
  const url = /"url":"([^"]+)"/.exec(reply)?.[1];
  assert.ok(url, reply);
  h.sage.control.setConsent({ user });
  try {
    const sage = await fetch(url, { redirect: 'manual' });
    assert.equal(sage.status, 302);
    const back = new URL(sage.headers.get('location')!);
    const page = await fetch(`${h.target.url}${back.pathname}${back.search}`);
    return { page, html: await page.text(), state: back.searchParams.get('state')! };
  } finally {
    h.sage.control.setConsent({ user: 'user-single' });
  }
}

function choose(state: string, account: string): Promise<Response> {
  return fetch(`${h.target.url}/oauth/sage/choose`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ state, account }).toString(),
  });
}

/** The radio options of a choice page, as [value, label]. */
function options(html: string): [string, string][] {
  return [...html.matchAll(/<input type="radio" name="account" value="([^"]+)" required> ([^<]+)/g)].map(
    (m) => [m[1]!, m[2]!.trim()],
  );
}

describe('the Sage business is chosen at connect', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('a user with several businesses is asked which, on a page that lists them and holds no token', async () => {
    const { page, html, state } = await consentAs('user-multi');
    assert.equal(page.status, 200, html);
    assert.match(page.headers.get('content-security-policy') ?? '', /form-action 'self'/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.deepEqual(options(html), [
      [EU, 'Emulated Sage Europe'],
      [GB, 'Emulated Sage Ltd'],
    ]);
    assert.match(html, /<form method="post" action="\/oauth\/sage\/choose">/);
    assert.ok(!html.includes(h.sage.control.latestRefreshToken('user-multi')!), 'no token in the page');
    assert.equal((await h.app.store.listConnections()).length, 0, 'nothing connected before the choice');
    const held = await h.app.store.linkSessions.peek(state, Date.now());
    assert.ok(held?.pending, 'the tokens wait in the session');
    assert.ok(!held.pending.includes(h.sage.control.latestRefreshToken('user-multi')!), 'sealed');

    // A business the grant does not reach, posted by hand: refused, the question stays open.
    const forged = await choose(state, 'ffffffffffffffffffffffffffffffff');
    const forgedHtml = await forged.text();
    assert.equal(forged.status, 400);
    assert.match(forgedHtml, /not one of the businesses this sign-in reaches/);
    assert.equal(options(forgedHtml).length, 2);
    assert.equal((await h.app.store.listConnections()).length, 0);

    // Sage's answer replayed while the question is open: refused, and the question survives it.
    const replayed = await fetch(`${h.target.url}/oauth/sage/callback?code=GB%2Fx&state=${state}`);
    assert.equal(replayed.status, 400);
    assert.ok((await h.app.store.linkSessions.peek(state, Date.now()))?.pending);

    // A forged state: nothing.
    const stranger = await choose('forged-state', GB);
    assert.equal(stranger.status, 400);
    assert.match(await stranger.text(), /expired/);

    // The second business, submitted twice at once: one connection.
    h.sage.control.clearRequests();
    const answers = await Promise.all([choose(state, GB), choose(state, GB)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400]);
    const connections = await h.app.store.listConnections();
    assert.deepEqual(
      connections.map((c) => [c.name, c.accountId, c.accountLabel]),
      [['sage', GB, `Emulated Sage Ltd (${GB})`]],
    );
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args['channel'] === ADMIN &&
        String(c.args['text']).includes('Connected Sage Accounting as `sage` (Emulated Sage Ltd'),
    );
    // Verified with the tokens held through the choice: no refresh was needed, none was replayed.
    assert.equal(h.sage.control.replayedRefreshes, 0);
    const replay = await choose(state, EU);
    assert.equal(replay.status, 400, 'the state is used up');
    assert.equal((await h.app.store.listConnections()).length, 1);
  });

  test('the chosen business is the one synced: every call names it, only its records are stored', async () => {
    h.sage.control.clearRequests();
    const run = await h.app.finsync.runJob({
      connection: 'sage',
      trigger: 'manual',
      triggeredBy: ADMIN,
      notify: { kind: 'none' },
    });
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const api = h.sage.control.requests.filter((r) => r.kind === 'api');
    assert.ok(api.length > 0);
    assert.deepEqual([...new Set(api.map((r) => r.business))], [GB]);
    const ids: string[] = [];
    for await (const record of h.app.store.iterateRecords({ connection: 'sage' })) ids.push(record.id);
    const business = h.sage.control.business(GB);
    const streams = [
      'contact_payments',
      'other_payments',
      'bank_transfers',
      'bank_deposits',
      'sales_invoices',
      'purchase_invoices',
      'contacts',
      'bank_accounts',
      'ledger_accounts',
    ] as const;
    assert.deepEqual(
      ids.sort(),
      streams.flatMap((s) => business.objects(s).map((o) => `sage:${s}:${o.id}`)).sort(),
    );
  });

  test('a choice after the state expired changes nothing', async () => {
    const { page, state } = await consentAs('user-multi');
    assert.equal(page.status, 200);
    // Fifteen minutes later, as the store sees it: the same session, expired.
    const held = (await h.app.store.linkSessions.takePending(state, Date.now()))!;
    await h.app.store.linkSessions.put(state, { ...held, expiresAt: Date.now() - 1 });
    const late = await choose(state, EU);
    assert.equal(late.status, 400);
    assert.match(await late.text(), /expired/);
    assert.equal((await h.app.store.listConnections()).length, 1);
  });

  test('a user with one business is not asked: it connects at once', async () => {
    const { page, html } = await consentAs('user-europe');
    assert.equal(page.status, 200, html);
    assert.doesNotMatch(html, /<form/);
    assert.match(html, /Emulated Sage Europe .* is connected to finsync as &quot;sage-2&quot;/);
    const connection = await h.app.store.getConnection('sage-2');
    assert.equal(connection?.accountId, EU);
  });

  test('a choice made after the access token expired connects with the held refresh token; the rotated one is stored', async () => {
    await h.app.store.removeConnection('sage-2', { deleteRecords: true });
    const { page, state } = await consentAs('user-multi');
    assert.equal(page.status, 200);
    const held = h.sage.control.latestRefreshToken('user-multi');
    h.sage.control.expireAccessTokens(); // the person took more than Sage's five minutes to choose
    h.sage.control.clearRequests();
    const answer = await choose(state, EU);
    assert.equal(answer.status, 200, await answer.text());
    const refreshes = h.sage.control.requests.filter((r) => r.kind === 'token');
    assert.deepEqual(
      refreshes.map((r) => [r.grantType, r.token, r.status]),
      [['refresh_token', held, 200]],
      'the held refresh token, used once',
    );
    const connection = (await h.app.store.getConnection('sage-2'))!;
    assert.equal(connection.accountId, EU);
    assert.equal(
      h.app.finsync.credentialsOf(connection)['refresh_token'],
      h.sage.control.latestRefreshToken('user-multi'),
    );
  });
});
