import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';

let h: Harness;
let n = 0;

/** `/finsync connect quickbooks` as ADMIN: the consent URL from the button. */
async function consentUrl(): Promise<URL> {
  const id = `qb${++n}`;
  await sendSlashCommand(h.target, {
    text: 'connect quickbooks',
    userId: ADMIN,
    responseUrl: h.slack.responseUrl(id),
  });
  const reply = await h.slack.waitForResponse((r) => r.id === id);
  const url = /"url":"([^"]+)"/.exec(JSON.stringify(reply.body))?.[1];
  assert.ok(url, JSON.stringify(reply.body));
  return new URL(url);
}

/** What the browser does: open the consent page, follow Intuit's redirect back to our callback. */
async function consentAndReturn(url: URL): Promise<Response> {
  const intuit = await fetch(url, { redirect: 'manual' });
  assert.equal(intuit.status, 302);
  const back = new URL(intuit.headers.get('location')!);
  assert.equal(back.pathname, '/oauth/quickbooks/callback');
  return fetch(`${h.target.url}${back.pathname}${back.search}`);
}

describe('connecting QuickBooks with OAuth 2', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('a member is refused before any link is made', async () => {
    await sendSlashCommand(h.target, {
      text: 'connect quickbooks',
      userId: MEMBER,
      responseUrl: h.slack.responseUrl('member'),
    });
    const reply = await h.slack.waitForResponse((r) => r.id === 'member');
    assert.match(JSON.stringify(reply.body), /Only finsync admins can connect systems/);
  });

  test('Intuit refusing consent changes nothing and tells the person', async () => {
    const url = await consentUrl();
    h.quickbooks.control.setConsent({ deny: true });
    const page = await consentAndReturn(url);
    h.quickbooks.control.setConsent({ deny: false });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /did not grant access/);
    assert.equal((await h.app.store.listConnections()).length, 0);
    const dm = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args['channel'] === ADMIN && /did not grant access/.test(String(c.args['text'])),
    );
    assert.ok(dm);
  });

  test('consent connects the company, named in Slack; the state then cannot be replayed', async () => {
    const url = await consentUrl();
    assert.equal(url.searchParams.get('scope'), 'com.intuit.quickbooks.accounting');
    const page = await consentAndReturn(url);
    assert.equal(page.status, 200, await page.clone().text());
    const connection = await h.app.store.getConnection('quickbooks');
    assert.match(connection?.accountLabel ?? '', /Emulated Books Inc\./);
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args['channel'] === ADMIN &&
        /Connected QuickBooks Online as `quickbooks`/.test(String(c.args['text'])),
    );
    // The same redirect again (a replay) is refused and changes nothing.
    const intuit = await fetch(url, { redirect: 'manual' });
    const back = new URL(intuit.headers.get('location')!);
    const replay = await fetch(
      `${h.target.url}/oauth/quickbooks/callback?code=x&realmId=1&state=${back.searchParams.get('state')}`,
    );
    assert.equal(replay.status, 400);
    assert.equal((await h.app.store.listConnections()).length, 1);
  });

  test('a forged state is refused', async () => {
    const page = await fetch(
      `${h.target.url}/oauth/quickbooks/callback?code=abc&realmId=9341453050298464&state=forged`,
    );
    assert.equal(page.status, 400);
    assert.match(await page.text(), /expired/);
  });

  test('the connected company syncs invoices, payments and customers', async () => {
    const run = await h.app.finsync.runJob({
      connection: 'quickbooks',
      trigger: 'manual',
      triggeredBy: ADMIN,
      notify: { kind: 'none' },
    });
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    assert.ok((run.streams['invoices']?.inserted ?? 0) > 0);
    assert.ok((run.streams['payments']?.inserted ?? 0) > 0);
    assert.ok((run.streams['customers']?.inserted ?? 0) > 0);
  });
});
