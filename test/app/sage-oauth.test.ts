/**
 * Sage Business Cloud Accounting through the real app: consent end to end over HTTP, state checks, one business
 * per connection (duplicate refused, reconnect in place without a question, a grant that cannot reach the
 * business refused naming both; the choice among several is in sage-business-choice.test.ts), exact record
 * sets after a sync and after deletions, the rotated refresh token surviving a real process restart (the CLI in
 * a child process), and invalid_grant turning the connection "needs reconnect" once.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CONTACT_PAYMENT_DIRECTIONS } from '../../connectors/sage/directions.ts';
import type { Resource } from '../../connectors/sage/emulator-data.ts';
import { NumberText } from '../../connectors/sage/emulator-wire.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

let h: Harness;
let n = 0;

async function consentUrl(text: string): Promise<URL> {
  const id = `sage${++n}`;
  await sendSlashCommand(h.target, { text, userId: ADMIN, responseUrl: h.slack.responseUrl(id) });
  const reply = JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
  const url = /"url":"([^"]+)"/.exec(reply)?.[1];
  assert.ok(url, reply);
  return new URL(url);
}

/** What the browser does: open Sage's consent page, follow its redirect back to our callback. */
async function consentAndReturn(url: URL): Promise<{ page: Response; back: URL }> {
  const sage = await fetch(url, { redirect: 'manual' });
  assert.equal(sage.status, 302, await sage.clone().text());
  const back = new URL(sage.headers.get('location')!);
  assert.equal(back.pathname, '/oauth/sage/callback');
  return { page: await fetch(`${h.target.url}${back.pathname}${back.search}`), back };
}

async function records(connection: string): Promise<LedgerRecord[]> {
  const out: LedgerRecord[] = [];
  for await (const record of h.app.store.iterateRecords({ connection })) out.push(record);
  return out;
}

const STREAMS: readonly Resource[] = [
  'contact_payments',
  'other_payments',
  'bank_transfers',
  'bank_deposits',
  'sales_invoices',
  'purchase_invoices',
  'contacts',
  'bank_accounts',
  'ledger_accounts',
];

/** The record ids the emulator's business should give, and each contact payment's signed amount. */
function expected(businessId: string) {
  const business = h.sage.control.business(businessId);
  const ids = STREAMS.flatMap((s) => business.objects(s).map((o) => `sage:${s}:${o.id}`)).sort();
  const payments = business.objects('contact_payments').map((o) => {
    const raw = o['total_amount'];
    const text = raw instanceof NumberText ? raw.text : String(raw);
    const [whole, cents = ''] = text.split('.');
    const minor = Number(whole) * 100 + Number(cents.padEnd(2, '0'));
    const type = (o['transaction_type'] as { id: string }).id;
    return [`sage:contact_payments:${o.id}`, CONTACT_PAYMENT_DIRECTIONS[type]!.sign * minor] as const;
  });
  return { ids, payments: payments.sort((a, b) => a[0].localeCompare(b[0])) };
}

async function sync(connection = 'sage') {
  return h.app.finsync.runJob({
    connection,
    trigger: 'manual',
    triggeredBy: ADMIN,
    notify: { kind: 'none' },
  });
}

describe('Sage Accounting through its consent page', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('a forged state is refused', async () => {
    const page = await fetch(`${h.target.url}/oauth/sage/callback?code=abc&state=forged`);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /expired/);
    assert.equal((await h.app.store.listConnections()).length, 0);
  });

  test('consent connects the business, read-only, named in Slack; the state cannot be replayed', async () => {
    const url = await consentUrl('connect sage');
    assert.equal(url.searchParams.get('scope'), 'readonly');
    assert.equal(url.searchParams.get('country'), 'gb');
    const { page, back } = await consentAndReturn(url);
    assert.equal(page.status, 200, await page.clone().text());
    const [gb] = h.sage.control.businessIds;
    const connection = await h.app.store.getConnection('sage');
    assert.deepEqual([connection?.accountId, connection?.accountLabel], [gb, `Emulated Sage Ltd (${gb})`]);
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args['channel'] === ADMIN && /Connected Sage Accounting as `sage`/.test(String(c.args['text'])),
    );
    const replay = await fetch(
      `${h.target.url}/oauth/sage/callback?code=x&state=${back.searchParams.get('state')}`,
    );
    assert.equal(replay.status, 400);
    assert.equal((await h.app.store.listConnections()).length, 1);
  });

  test('a sync stores exactly the business objects, payments signed by their type', async () => {
    const run = await sync();
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const all = await records('sage');
    const want = expected(h.sage.control.businessIds[0]!);
    assert.deepEqual(all.map((r) => r.id).sort(), want.ids);
    assert.deepEqual(
      all
        .filter((r) => r.stream === 'contact_payments')
        .map((r) => [r.id, r.amount] as const)
        .sort((a, b) => a[0].localeCompare(b[0])),
      want.payments,
    );
    assert.deepEqual([...new Set(all.filter((r) => r.moneyMovement).map((r) => r.stream))].sort(), [
      'contact_payments',
      'other_payments',
    ]);
  });

  test('objects deleted in Sage are removed from the ledger at the next sync', async () => {
    const business = h.sage.control.business(h.sage.control.businessIds[0]!);
    const payment = business.objects('contact_payments')[3]!.id;
    const contact = business.objects('contacts')[0]!.id;
    const account = business.objects('ledger_accounts')[1]!.id;
    business.remove('contact_payments', payment);
    business.remove('contacts', contact);
    business.remove('ledger_accounts', account);
    const run = await sync();
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    assert.deepEqual((await records('sage')).map((r) => r.id).sort(), expected(business.id).ids);
    assert.equal(run.streams['contact_payments']?.deleted, 1);
  });

  test('the rotated refresh token survives a process restart: a CLI sync in a child process rotates it, the app then uses that one', {
    timeout: 60_000,
  }, async () => {
    const refreshOf = async () =>
      h.app.finsync.credentialsOf((await h.app.store.getConnection('sage'))!)['refresh_token'];
    const r0 = await refreshOf();
    h.sage.control.expireAccessTokens();
    h.sage.control.clearRequests();
    const cli = await runCli(['sync', 'sage'], { ...h.env, LOG_LEVEL: 'warn' });
    assert.equal(cli.code, 0, cli.stderr + cli.stdout);
    const r1 = await refreshOf();
    assert.notEqual(r1, r0);
    assert.equal(r1, h.sage.control.latestRefreshToken('user-single'));

    h.sage.control.expireAccessTokens();
    const run = await sync();
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const presented = h.sage.control.requests
      .filter((r) => r.kind === 'token' && r.grantType === 'refresh_token')
      .map((r) => r.token);
    assert.deepEqual(presented, [r0, r1], 'each process presented the latest stored token, once');
    assert.equal(h.sage.control.replayedRefreshes, 0);
    assert.equal(await refreshOf(), h.sage.control.latestRefreshToken('user-single'));
  });

  test("/finsync cash asks each bank account's balance live, refreshing an expired token through the stored session", async () => {
    const refreshOf = async () =>
      h.app.finsync.credentialsOf((await h.app.store.getConnection('sage'))!)['refresh_token'];
    const before = await refreshOf();
    h.sage.control.expireAccessTokens();
    const report = await h.app.core.cash.report(ADMIN, { kind: 'today' });
    const sage = report.systems.find((s) => s.connection === 'sage');
    assert.equal(sage?.balances.outcome, 'ok', JSON.stringify(sage?.balances));
    const balances = sage?.balances.outcome === 'ok' ? sage.balances.balances : [];
    assert.deepEqual(
      balances.map((b) => [b.account, b.currency, b.amount]),
      [
        ['Sage Current Account (1200)', 'GBP', 1_250_075],
        ['Sage Savings (1210)', 'GBP', 500_000],
        ['Sage Cash in Hand (1230)', 'GBP', -1_005],
      ],
    );
    const after = await refreshOf();
    assert.notEqual(after, before, 'the rotated refresh token was stored');
    assert.equal(after, h.sage.control.latestRefreshToken('user-single'));
  });

  test('the same business connected again is refused, naming its connection, and the unused grant is revoked', async () => {
    const revocations = h.sage.control.revocations;
    const { page } = await consentAndReturn(await consentUrl('connect sage'));
    assert.notEqual(page.status, 200);
    assert.match(await page.text(), /already connected as .*sage.*\/finsync reconnect sage/s);
    assert.equal((await h.app.store.listConnections()).length, 1);
    // Tokens no connection holds would otherwise stay live at Sage for a month.
    assert.equal(h.sage.control.revocations, revocations + 1);
    const revoked = h.sage.control.requests.findLast((r) => r.kind === 'revoke')?.token;
    const stored = h.app.finsync.credentialsOf((await h.app.store.getConnection('sage'))!)['refresh_token'];
    assert.ok(revoked && revoked !== stored, "the refused grant's token, not the connection's");
  });

  test('reconnect through consent keeps the connection business without asking; a grant that cannot reach it is refused naming both', async () => {
    const before = (await h.app.store.getConnection('sage'))!;
    const count = (await records('sage')).length;
    h.sage.control.setConsent({ user: 'user-europe' }); // reaches only the European business
    try {
      const { page } = await consentAndReturn(await consentUrl('reconnect sage'));
      assert.notEqual(page.status, 200);
      assert.match(await page.text(), /reaches Emulated Sage Europe .*not Emulated Sage Ltd/s);
    } finally {
      h.sage.control.setConsent({ user: 'user-single' });
    }
    assert.equal((await h.app.store.getConnection('sage'))!.accountId, before.accountId);

    await h.app.store.updateConnection('sage', { state: 'needs_reconnect', stateReason: 'refused' });
    // A user of several businesses, the connection's among them: no question, the connection's own business.
    h.sage.control.setConsent({ user: 'user-multi' });
    try {
      const { page } = await consentAndReturn(await consentUrl('reconnect sage'));
      const text = await page.text();
      assert.equal(page.status, 200, text);
      assert.doesNotMatch(text, /<form/);
    } finally {
      h.sage.control.setConsent({ user: 'user-single' });
    }
    const after = (await h.app.store.getConnection('sage'))!;
    assert.deepEqual(
      [after.state, after.accountId, after.createdAt],
      ['active', before.accountId, before.createdAt],
    );
    assert.equal(h.app.finsync.credentialsOf(after)['business_id'], before.accountId);
    assert.equal((await records('sage')).length, count, 'history kept');
  });

  test('invalid_grant marks the connection "needs reconnect" once: one refresh asked per run, no loop', async () => {
    h.sage.control.revokeAll();
    h.sage.control.expireAccessTokens();
    h.sage.control.clearRequests();
    const first = await sync();
    assert.deepEqual([first.status, first.errorClass], ['failed', 'auth']);
    const connection = (await h.app.store.getConnection('sage'))!;
    assert.equal(connection.state, 'needs_reconnect');
    assert.match(connection.stateReason ?? '', /Sage refused the stored refresh token.*reconnect/);
    const tokenRequests = h.sage.control.requests.filter((r) => r.kind === 'token');
    assert.equal(tokenRequests.length, 1, 'nine streams, one refresh attempt');
    assert.equal(h.sage.control.requests.filter((r) => r.kind === 'api' && r.status === 200).length, 0);
  });
});
