/**
 * Reconnecting a broken connection in place (issue 16, item 1), through the real app over signed HTTP: the
 * failure alert's Reconnect button opens the connection's own form (non-secret fields filled in, secrets
 * empty); a new key of the same Stripe account replaces the sealed one and keeps the name, records, cursors,
 * schedule and subscriptions; the next successful run resolves the incident. A key of another account is
 * refused naming both; connecting an account already connected is refused, pointing at reconnect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  EMULATOR_GROUP,
  EMULATOR_TENANT_ID,
} from '../../connectors/powerbi/emulator.ts';
import { EMULATOR_RESTRICTED_KEY, EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import {
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import {
  ADMIN,
  connectPowerBi,
  connectQuickBooks,
  type Harness,
  MEMBER,
  startHarness,
  syncNowAndWait,
} from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

/** A second key of the same Stripe account (a rolled key). */
const ROLLED_KEY = 'sk_test_51FinsyncEmulatorRolledKey00001';
/** A key of another Stripe account. */
const OTHER_KEY = 'sk_test_51FinsyncOtherAccountKey000001';
const OTHER_ACCOUNT = 'acct_1OtherCompany0001';
const ALERTS = 'C0ALERTS1';
const SUBSCRIBED = 'C0SUBSCR1';

let h: Harness;
let n = 0;

async function command(text: string, userId = ADMIN, channelId = ALERTS): Promise<string> {
  const id = `c${++n}`;
  await sendSlashCommand(h.target, { text, userId, channelId, responseUrl: h.slack.responseUrl(id) });
  return JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
}

async function syncOnce(): Promise<void> {
  await syncNowAndWait(h, 'stripe');
}

function submitForm(
  metadata: Record<string, string>,
  apiKey: string,
  extra: { name?: string; backfill?: string | null } = {},
) {
  return sendViewSubmission(h.target, {
    callbackId: 'connect_submit',
    userId: ADMIN,
    privateMetadata: JSON.stringify(metadata),
    values: {
      ...(extra.name ? { connection_name: { value: stateValue.text(extra.name) } } : {}),
      cred_api_key: { value: stateValue.text(apiKey) },
      cred_webhook_secret: { value: stateValue.text(null) },
      cred_backfill_from: { value: stateValue.text(extra.backfill ?? null) },
    },
  });
}

type View = {
  callback_id: string;
  private_metadata: string;
  title: { text: string };
  blocks: { block_id?: string; element?: { initial_value?: string } }[];
};

describe('reconnecting a connection in place', () => {
  before(async () => {
    h = await startHarness({
      env: { FINSYNC_ALERT_CHANNEL: ALERTS },
      emulators: {
        stripe: {
          count: 40,
          secretKeys: [EMULATOR_SECRET_KEY, ROLLED_KEY],
          otherAccounts: [{ key: OTHER_KEY, id: OTHER_ACCOUNT, name: 'Other Company' }],
        },
      },
    });
    h.slack.setChannel(ALERTS, { name: 'finance-alerts', isMember: true });
    h.slack.setChannel(SUBSCRIBED, { name: 'treasury', isMember: true });
    // Connected through the form, with a backfill date: a non-secret field the reconnect form shows filled in.
    const connected = await submitForm({ provider: 'stripe', channelId: ALERTS }, EMULATOR_SECRET_KEY, {
      name: 'stripe',
      backfill: '2020-01-01',
    });
    assert.equal((connected.body as { response_action: string }).response_action, 'update');
  });
  after(async () => {
    await h.close();
  });

  test('the same account connected again under another name is refused, pointing at reconnect', async () => {
    const reply = await submitForm({ provider: 'stripe', channelId: ALERTS }, ROLLED_KEY, {
      name: 'stripe-2',
    });
    const body = reply.body as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, 'errors');
    assert.match(
      body.errors['cred_api_key'] ?? '',
      /already connected as `stripe`: use `\/finsync reconnect stripe`/,
    );
    assert.deepEqual(
      (await h.app.store.listConnections()).map((c) => c.name),
      ['stripe'],
    );
  });

  test('`/finsync reconnect` is for admins, names unknown connections, and is in help', async () => {
    assert.match(await command('reconnect stripe', MEMBER), /Only finsync admins can reconnect systems/);
    assert.match(await command('reconnect nosuch'), /There is no connection named nosuch/);
    const usage = await sendSlashCommand(h.target, { text: 'reconnect', userId: ADMIN });
    assert.match(JSON.stringify(usage.body), /Name the connection to reconnect/);
    const help = await sendSlashCommand(h.target, { text: 'help', userId: ADMIN });
    assert.match(JSON.stringify(help.body), /reconnect &lt;connection&gt;/);
  });

  test('a refused key raises an alert with a Reconnect button that opens the prefilled form', async () => {
    // Subscriptions and a schedule, to see that the reconnect keeps them.
    assert.match(await command('subscribe stripe failures', ADMIN, SUBSCRIBED), /stripe/);
    assert.match(await command('schedule stripe daily 02:00'), /daily/);
    await syncOnce();
    assert.ok((await h.app.store.countRecords('stripe')) > 0);
    h.stripe.control.injectFault({ type: 'expired_key' }, 1);
    await syncOnce();
    const broken = await h.app.store.getConnection('stripe');
    assert.equal(broken?.state, 'needs_reconnect');

    const alert = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args['channel'] === ALERTS && /incident_reconnect/.test(JSON.stringify(c.args['blocks'])),
    );
    const blocks = JSON.stringify(alert.args['blocks']);
    assert.match(blocks, /\/finsync reconnect stripe/);
    assert.doesNotMatch(blocks, /\/finsync connect stripe/);
    const value = /"action_id":"incident_reconnect","value":"([^"]+)"/.exec(blocks)?.[1];
    assert.ok(value, blocks);

    await sendBlockAction(h.target, {
      actionId: 'incident_reconnect',
      value,
      userId: ADMIN,
      channelId: ALERTS,
      responseUrl: h.slack.responseUrl('reconnect-click'),
    });
    const opened = await h.slack.waitForCall(
      'views.open',
      (c) => JSON.parse((c.args['view'] as View).private_metadata)['reconnect'] === 'stripe',
    );
    const view = opened.args['view'] as View;
    assert.deepEqual(checkBlockKit(view as never, 'modal'), []);
    assert.equal(view.callback_id, 'connect_submit');
    assert.equal(view.title.text, 'Reconnect Stripe');
    assert.ok(!view.blocks.some((b) => b.block_id === 'connection_name'), 'the name is not to be changed');
    const field = (key: string) => view.blocks.find((b) => b.block_id === `cred_${key}`);
    assert.equal(field('backfill_from')?.element?.initial_value, '2020-01-01', 'non-secret fields filled in');
    assert.equal(field('api_key')?.element?.initial_value, undefined, 'secret fields empty');
    assert.ok(!JSON.stringify(view).includes(EMULATOR_SECRET_KEY));

    // The Home tab offers the same on the connection's line.
    const since = Date.now();
    await sendEvent(h.target, { type: 'app_home_opened', user: ADMIN, channel: 'D0ADMIN', tab: 'home' });
    const home = await h.slack.waitForCall(
      'views.publish',
      (c) => c.args['user_id'] === ADMIN && c.at >= since,
    );
    assert.match(JSON.stringify(home.args['view']), /"action_id":"home_reconnect","value":"stripe"/);
    assert.deepEqual(checkBlockKit(home.args['view'] as never, 'home'), []);
  });

  test('a key of another account is refused naming both accounts, and nothing changes', async () => {
    const before = await h.app.store.getConnection('stripe');
    const reply = await submitForm({ provider: 'stripe', channelId: ALERTS, reconnect: 'stripe' }, OTHER_KEY);
    const body = reply.body as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, 'errors');
    const error = body.errors['cred_api_key'] ?? '';
    assert.match(error, /Other Company \(acct_1OtherCompany0001/);
    assert.ok(error.includes(before!.accountLabel), error);
    const after = await h.app.store.getConnection('stripe');
    assert.deepEqual(after, before);
    const [entry] = await h.app.store.listAudit(1);
    assert.equal(entry?.action, 'reconnect');
    assert.equal(entry?.outcome, 'failed');
  });

  test('a key that cannot show its account (a restricted key without account read) is refused', async () => {
    const before = await h.app.store.getConnection('stripe');
    const reply = await submitForm(
      { provider: 'stripe', channelId: ALERTS, reconnect: 'stripe' },
      EMULATOR_RESTRICTED_KEY,
    );
    const body = reply.body as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, 'errors');
    assert.match(body.errors['cred_api_key'] ?? '', /cannot tell which Stripe account/);
    assert.deepEqual(await h.app.store.getConnection('stripe'), before);
  });

  test('a new key of the same account replaces the old one in place; the next run resolves the incident', async () => {
    const before = (await h.app.store.getConnection('stripe'))!;
    const records = await h.app.store.countRecords('stripe');
    const cursor = await h.app.store.getCursor('stripe', 'events');
    const runs = (await h.app.store.listRuns('stripe', 100)).length;
    assert.ok(cursor);
    assert.ok(await h.app.core.incidents.open('stripe'), 'an incident is open');

    const reply = await submitForm(
      { provider: 'stripe', channelId: ALERTS, reconnect: 'stripe' },
      ROLLED_KEY,
      { backfill: '2020-01-01' },
    );
    const body = reply.body as { response_action: string; view: { blocks: unknown[] } };
    assert.equal(body.response_action, 'update', JSON.stringify(body));
    assert.match(JSON.stringify(body.view.blocks), /Reconnected `stripe`/);

    const after = (await h.app.store.getConnection('stripe'))!;
    assert.equal(after.state, 'active');
    assert.equal(after.stateReason, null);
    assert.equal(after.accountId, before.accountId);
    assert.equal(after.schedule, 'daily 02:00');
    assert.equal(after.createdAt, before.createdAt);
    assert.equal(h.app.finsync.credentialsOf(after)['api_key'], ROLLED_KEY);
    assert.equal(h.app.finsync.credentialsOf(after)['backfill_from'], '2020-01-01');
    assert.equal(await h.app.store.countRecords('stripe'), records, 'history kept');
    assert.deepEqual(await h.app.store.getCursor('stripe', 'events'), cursor, 'cursors kept');
    assert.equal((await h.app.store.listRuns('stripe', 100)).length, runs, 'runs kept');
    assert.deepEqual(
      (await h.app.store.listConnections()).map((c) => c.name),
      ['stripe'],
    );
    const [entry] = await h.app.store.listAudit(1);
    assert.deepEqual([entry?.action, entry?.outcome, entry?.actor], ['reconnect', 'ok', ADMIN]);
    assert.match(await command('subscribe list', ADMIN, SUBSCRIBED), /stripe/);

    await syncOnce();
    const [run] = await h.app.store.listRuns('stripe', 1);
    assert.equal(run?.status, 'success');
    for (let i = 0; i < 50 && (await h.app.core.incidents.open('stripe')); i++) await sleep(20);
    assert.equal(await h.app.core.incidents.open('stripe'), undefined, 'the incident resolved');
  });
});

describe('reconnecting a Power BI workspace (a form destination)', () => {
  let b: Harness;
  before(async () => {
    b = await startHarness();
    await connectPowerBi(b.app.finsync);
  });
  after(async () => {
    await b.close();
  });

  test('the form comes with tenant, client and workspace filled in; a new secret replaces the old in place', async () => {
    await sendSlashCommand(b.target, { text: 'reconnect powerbi', userId: ADMIN });
    const view = (await b.slack.waitForCall('views.open')).args['view'] as View;
    const initial = (key: string) =>
      view.blocks.find((x) => x.block_id === `cred_${key}`)?.element?.initial_value;
    assert.equal(initial('tenant_id'), EMULATOR_TENANT_ID);
    assert.equal(initial('client_id'), EMULATOR_CLIENT_ID);
    assert.equal(initial('workspace_id'), EMULATOR_GROUP.id);
    assert.equal(initial('client_secret'), undefined);
    const before = await b.app.store.getConnection('powerbi');
    const reply = await sendViewSubmission(b.target, {
      callbackId: 'connect_submit',
      userId: ADMIN,
      privateMetadata: view.private_metadata,
      values: {
        cred_tenant_id: { value: stateValue.text(EMULATOR_TENANT_ID) },
        cred_client_id: { value: stateValue.text(EMULATOR_CLIENT_ID) },
        cred_client_secret: { value: stateValue.text(EMULATOR_CLIENT_SECRET) },
        cred_workspace_id: { value: stateValue.text(EMULATOR_GROUP.id) },
      },
    });
    const body = reply.body as { response_action: string; view: { blocks: unknown[] } };
    assert.equal(body.response_action, 'update', JSON.stringify(body));
    assert.match(JSON.stringify(body.view.blocks), /Reconnected `powerbi`/);
    const after = await b.app.store.getConnection('powerbi');
    assert.equal(after?.accountId, before?.accountId);
    assert.equal(after?.createdAt, before?.createdAt);
  });
});

describe('reconnecting QuickBooks through Intuit consent', () => {
  let q: Harness;
  const consentFor = async (text: string): Promise<URL> => {
    const id = `qb${++n}`;
    await sendSlashCommand(q.target, { text, userId: ADMIN, responseUrl: q.slack.responseUrl(id) });
    const reply = JSON.stringify((await q.slack.waitForResponse((r) => r.id === id)).body);
    const url = /"url":"([^"]+)"/.exec(reply)?.[1];
    assert.ok(url, reply);
    return new URL(url);
  };
  const consentAndReturn = async (url: URL): Promise<Response> => {
    const intuit = await fetch(url, { redirect: 'manual' });
    const back = new URL(intuit.headers.get('location')!);
    return fetch(`${q.target.url}${back.pathname}${back.search}`);
  };

  before(async () => {
    q = await startHarness();
    await connectQuickBooks(q, q.quickbooks.control.realmIds[0]!, 'books');
  });
  after(async () => {
    await q.close();
  });

  test('consent for another company is refused naming both, and the new grant is revoked', async () => {
    const before = await q.app.store.getConnection('books');
    const revokes = () =>
      q.quickbooks.control.requestLog.filter((e) => e.kind === 'revoke' && e.status === 200).length;
    const revoked = revokes();
    q.quickbooks.control.setConsent({ realmId: q.quickbooks.control.realmIds[1]! });
    try {
      const page = await consentAndReturn(await consentFor('reconnect books'));
      assert.notEqual(page.status, 200);
      const text = await page.text();
      assert.match(text, /Emulated Global Trading.*Emulated Books Inc\./s);
      assert.match(text, /was not reconnected.*\/finsync reconnect books/s);
    } finally {
      q.quickbooks.control.setConsent({ realmId: q.quickbooks.control.realmIds[0]! });
    }
    assert.deepEqual(await q.app.store.getConnection('books'), before);
    assert.equal((await q.app.store.listConnections()).length, 1);
    assert.equal(revokes(), revoked + 1, 'the grant of the other company is not left live');
  });

  test('consent for the same company replaces the tokens in place, named in Slack', async () => {
    await syncNowAndWait(q, 'books');
    const records = await q.app.store.countRecords('books');
    assert.ok(records > 0);
    const before = (await q.app.store.getConnection('books'))!;
    const oldRefresh = q.app.finsync.credentialsOf(before)['refresh_token'];
    await q.app.store.updateConnection('books', { state: 'needs_reconnect', stateReason: 'refused' });

    const url = await consentFor('reconnect books');
    assert.equal(url.searchParams.get('scope'), 'com.intuit.quickbooks.accounting');
    const page = await consentAndReturn(url);
    assert.equal(page.status, 200, await page.clone().text());
    assert.match(await page.text(), /reconnected/);
    const after = (await q.app.store.getConnection('books'))!;
    assert.equal(after.state, 'active');
    assert.equal(after.accountId, before.accountId);
    assert.equal(after.createdAt, before.createdAt);
    assert.notEqual(q.app.finsync.credentialsOf(after)['refresh_token'], oldRefresh, 'new tokens stored');
    assert.equal(await q.app.store.countRecords('books'), records, 'history kept');
    assert.deepEqual(
      (await q.app.store.listConnections()).map((c) => c.name),
      ['books'],
    );
    await q.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args['channel'] === ADMIN && /Reconnected `books`/.test(String(c.args['text'])),
    );
    const [entry] = await q.app.store.listAudit(1);
    assert.deepEqual([entry?.action, entry?.outcome], ['reconnect', 'ok']);
  });
});

describe('reconnecting Plaid through Link in update mode', () => {
  let p: Harness;
  let accessToken: string;

  /** `/finsync reconnect plaid`: the modal's Link button, the page's update-mode link token, and the state. */
  const openLink = async (): Promise<{ state: string; linkToken: string }> => {
    const since = Date.now();
    await sendSlashCommand(p.target, { text: 'reconnect plaid', userId: ADMIN });
    const opened = await p.slack.waitForCall('views.open', (c) => c.at >= since);
    const view = opened.args['view'] as View & { submit?: unknown };
    assert.deepEqual(checkBlockKit(view as never, 'modal'), []);
    assert.equal(view.title.text, 'Reconnect Plaid');
    assert.equal(view.submit, undefined, 'nothing to type: the page does it');
    const url = /"url":"([^"]+\/plaid\/link\?state=[^"]+)"/.exec(JSON.stringify(view))?.[1];
    assert.ok(url, JSON.stringify(view));
    const state = new URL(url).searchParams.get('state')!;
    const page = await fetch(`${p.target.url}/plaid/link?state=${state}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(!html.includes(accessToken), 'the access token stays on the server');
    const linkToken = /link-sandbox-[0-9a-f-]+/.exec(html)?.[0];
    assert.ok(linkToken);
    return { state, linkToken };
  };
  const complete = (body: unknown) =>
    fetch(`${p.target.url}/plaid/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async () => {
    p = await startHarness();
    const item = p.plaid.control.createItem();
    accessToken = item.accessToken;
    await p.app.finsync.connect({
      provider: 'plaid',
      name: 'plaid',
      input: { access_token: item.accessToken },
      actor: ADMIN,
      fromOAuth: true,
    });
    await p.app.core.engine.run({ connection: 'plaid', trigger: 'manual', triggeredBy: ADMIN });
    p.plaid.control.resetLogin(item.itemId);
    await p.app.core.engine.run({ connection: 'plaid', trigger: 'manual', triggeredBy: ADMIN });
    assert.equal((await p.app.store.getConnection('plaid'))?.state, 'needs_reconnect');
  });
  after(async () => {
    await p.close();
  });

  test('a run refused with the credentials a reconnect replaced meanwhile does not undo the reconnect', async () => {
    // A run holding the stored credentials is caught at its first transactions page…
    const release = p.plaid.control.holdAnswers('/transactions/sync');
    const item = p.plaid.control.createItem();
    await p.app.finsync.connect({
      provider: 'plaid',
      name: 'race',
      input: { access_token: item.accessToken },
      actor: ADMIN,
      fromOAuth: true,
    });
    const syncRequests = () =>
      p.plaid.control.requestLog.filter((e) => e.path === '/transactions/sync').length;
    const before = syncRequests();
    const { done } = await p.app.core.engine.start({
      connection: 'race',
      trigger: 'manual',
      triggeredBy: ADMIN,
    });
    for (let i = 0; i < 300 && syncRequests() === before; i++) await sleep(10);
    assert.ok(syncRequests() > before, 'the run is waiting on its first page');
    // …while the connection is reconnected (new sealed credentials); then the old run's request is refused.
    await p.app.finsync.reconnect({
      name: 'race',
      input: { access_token: item.accessToken },
      actor: ADMIN,
      fromOAuth: true,
    });
    p.plaid.control.resetLogin(item.itemId);
    release();
    const run = await done;
    assert.equal(run.errorClass, 'auth');
    const after = await p.app.store.getConnection('race');
    assert.equal(after?.state, 'active', 'the refusal was of the credentials the reconnect replaced');
    await p.app.finsync.disconnect({ name: 'race', deleteRecords: true, actor: ADMIN });
  });

  test('a Link that did not repair the login changes nothing', async () => {
    const before = await p.app.store.getConnection('plaid');
    const { state } = await openLink();
    const done = await complete({ public_token: 'public-sandbox-unused', state });
    assert.equal(done.status, 400, await done.clone().text());
    assert.match(await done.text(), /ITEM_LOGIN_REQUIRED/);
    assert.deepEqual(await p.app.store.getConnection('plaid'), before);
  });

  test('logging in again in update mode keeps the item, its access token and history, and reactivates it', async () => {
    const records = await p.app.store.countRecords('plaid');
    assert.ok(records > 0);
    const { state, linkToken } = await openLink();
    const { publicToken } = p.plaid.control.completeUpdateMode(linkToken);
    const done = await complete({ public_token: publicToken, state });
    assert.equal(done.status, 200, await done.clone().text());
    const after = (await p.app.store.getConnection('plaid'))!;
    assert.equal(after.state, 'active');
    assert.equal(p.app.finsync.credentialsOf(after)['access_token'], accessToken, 'the same item');
    assert.equal(await p.app.store.countRecords('plaid'), records);
    assert.deepEqual(
      (await p.app.store.listConnections()).map((c) => c.name),
      ['plaid'],
    );
    await p.slack.waitForCall('views.update', (c) =>
      /Reconnected `plaid`/.test(JSON.stringify(c.args['view'])),
    );
    const run = await p.app.core.engine.run({ connection: 'plaid', trigger: 'manual', triggeredBy: ADMIN });
    assert.equal(run.status, 'success');
  });
});
