import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSandboxPublicToken } from '../../connectors/plaid/connector.ts';
import { SANDBOX_INSTITUTIONS } from '../../connectors/plaid/emulator-data.ts';
import { PICKER_CALLBACK } from '../../src/messages/connect.ts';
import {
  sendBlockAction,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';

/** An admin through FINSYNC_ADMIN_GROUP (looked up in Slack), so the role can be taken away mid-test. */
const ADMIN_GROUP = 'SFINADMINS';
const GROUP_ADMIN = 'UGROUPADM1';

let h: Harness;
let n = 0;

/** `/finsync connect quickbooks` as `userId`: the consent URL from the button. */
async function consentUrl(userId = ADMIN): Promise<URL> {
  const id = `guard${++n}`;
  await sendSlashCommand(h.target, {
    text: 'connect quickbooks',
    userId,
    responseUrl: h.slack.responseUrl(id),
  });
  const reply = await h.slack.waitForResponse((r) => r.id === id);
  const url = /"url":"([^"]+)"/.exec(JSON.stringify(reply.body))?.[1];
  assert.ok(url, JSON.stringify(reply.body));
  return new URL(url);
}

/** The browser: Intuit's consent page, then its redirect back to our callback. */
async function consentAndReturn(url: URL): Promise<Response> {
  const intuit = await fetch(url, { redirect: 'manual' });
  const back = new URL(intuit.headers.get('location')!);
  return fetch(`${h.target.url}${back.pathname}${back.search}`);
}

/** Everything the person was sent in Slack about a connect: the DM's text and blocks. */
async function dmMatching(userId: string, pattern: RegExp): Promise<string> {
  const call = await h.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args['channel'] === userId && pattern.test(String(c.args['text'])),
  );
  return JSON.stringify({ text: call.args['text'], blocks: call.args['blocks'] });
}

before(async () => {
  h = await startHarness({ env: { FINSYNC_ADMIN_GROUP: ADMIN_GROUP } });
  h.slack.setUserGroup(ADMIN_GROUP, [GROUP_ADMIN]);
});
after(async () => {
  await h.close();
});

describe('provider and request text reaches Slack escaped', () => {
  test('an OAuth error=<!here> from the callback URL is escaped in the DM', async () => {
    const state = (await consentUrl()).searchParams.get('state')!;
    const page = await fetch(
      `${h.target.url}/oauth/quickbooks/callback?state=${state}&error=${encodeURIComponent('<!here> <https://evil.example|Reconnect>')}`,
    );
    assert.equal(page.status, 400);
    const dm = await dmMatching(ADMIN, /did not grant access/);
    assert.ok(!dm.includes('<!here>'), dm);
    assert.ok(!dm.includes('<https://evil.example'), dm);
    assert.match(dm, /&lt;!here&gt; &lt;https:\/\/evil\.example\|Reconnect&gt;/);
  });

  test('a QuickBooks company named <!channel> <https://evil.example|Click> is escaped in the DM', async () => {
    // The company name is Intuit's data (CompanyInfo.CompanyName), chosen by whoever owns the company.
    const spec = h.quickbooks.control.realm().spec as { companyName: string };
    spec.companyName = '<!channel> <https://evil.example|Click>';
    const page = await consentAndReturn(await consentUrl());
    assert.equal(page.status, 200, await page.clone().text());
    const dm = await dmMatching(ADMIN, /Connected QuickBooks/);
    assert.ok(!dm.includes('<!channel>'), dm);
    assert.ok(!dm.includes('<https://evil.example'), dm);
    assert.match(dm, /&lt;!channel&gt; &lt;https:\/\/evil\.example\|Click&gt;/);
  });
});

describe('the Plaid Link result reaches Slack escaped', () => {
  test('a bank named <!channel> <https://evil.example|Click> is escaped in the connect modal', async () => {
    // The institution name is Plaid's data; the emulator's table stands in for it.
    (SANDBOX_INSTITUTIONS as Record<string, string>)['ins_109512'] =
      '<!channel> <https://evil.example|Click>';
    await sendSlashCommand(h.target, { text: 'connect plaid', userId: ADMIN });
    const opened = await h.slack.waitForCall('views.open', (c) =>
      /plaid\/link\?state=/.test(JSON.stringify(c.args)),
    );
    const url = /"url":"([^"]+\/plaid\/link\?state=[^"]+)"/.exec(JSON.stringify(opened.args['view']))?.[1];
    const state = new URL(url!).searchParams.get('state')!;
    const publicToken = await createSandboxPublicToken(
      { baseUrl: h.plaid.url, clientId: h.plaid.clientId, secret: h.plaid.secret },
      'ins_109512',
    );
    const done = await fetch(`${h.target.url}/plaid/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public_token: publicToken, state }),
    });
    assert.equal(done.status, 200, await done.clone().text());
    const update = await h.slack.waitForCall('views.update', (c) =>
      /Connected Plaid/.test(JSON.stringify(c.args)),
    );
    const view = JSON.stringify(update.args['view']);
    assert.ok(!view.includes('<!channel>'), view);
    assert.ok(!view.includes('<https://evil.example'), view);
    assert.match(view, /&lt;!channel&gt; &lt;https:\/\/evil\.example\|Click&gt;/);
  });
});

describe("only admins reach a consent page, and only an admin's code becomes tokens", () => {
  test('a non-admin clicking Connect a System on Home is refused privately and gets no picker', async () => {
    const opened = h.slack.callsTo('views.open').length;
    const reply = await sendBlockAction(h.target, {
      actionId: 'home_connect',
      value: 'connect',
      userId: MEMBER,
      view: { id: 'VHOMEMEMBER', type: 'home' },
    });
    assert.equal(reply.status, 200);
    const views = h.slack
      .callsTo('views.open')
      .slice(opened)
      .map((c) => JSON.stringify(c.args['view']));
    assert.ok(!views.some((v) => v.includes(PICKER_CALLBACK)), 'no provider picker');
    assert.equal(views.length, 1);
    assert.match(views[0]!, /Only finsync admins can connect systems/);
  });

  test('a non-admin submitting the provider picker gets a refusal, not a consent link', async () => {
    const grants = h.quickbooks.control.tokenGrants.authorization_code;
    const reply = await sendViewSubmission(h.target, {
      callbackId: PICKER_CALLBACK,
      userId: MEMBER,
      values: { provider: { value: stateValue.select('quickbooks', 'QuickBooks') } },
    });
    const body = JSON.stringify(reply.body);
    assert.ok(!body.includes('/oauth2/authorize'), body);
    assert.match(body, /Only finsync admins can connect systems/);
    assert.equal(h.quickbooks.control.tokenGrants.authorization_code, grants);
    const audit = await h.app.store.listAudit(5);
    assert.ok(audit.some((e) => e.actor === MEMBER && e.outcome === 'refused'));
  });

  test('a person who is no longer an admin when Intuit sends them back: the code is never exchanged', async () => {
    const url = await consentUrl(GROUP_ADMIN);
    // Removed from the admin group between starting the connect and finishing consent (within the cache minute).
    h.slack.setUserGroup(ADMIN_GROUP, []);
    const before = await h.app.store.listConnections();
    const grants = h.quickbooks.control.tokenGrants.authorization_code;
    try {
      const page = await consentAndReturn(url);
      assert.equal(page.status, 403);
      assert.match(await page.text(), /Only finsync admins/);
    } finally {
      h.slack.setUserGroup(ADMIN_GROUP, [GROUP_ADMIN]);
    }
    assert.equal(h.quickbooks.control.tokenGrants.authorization_code, grants, 'no code exchanged');
    assert.deepEqual(await h.app.store.listConnections(), before);
    await dmMatching(GROUP_ADMIN, /only finsync admins can connect systems/);
  });

  test('tokens issued for a connect that then fails (the name was taken meanwhile) are revoked', async () => {
    // Two consents started for the same proposed name; the first to come back takes it. Another company than
    // the one connected above: connecting an already connected company is refused for its own reason.
    h.quickbooks.control.setConsent({ realmId: h.quickbooks.control.realmIds[1]! });
    const first = await consentUrl();
    const second = await consentUrl();
    assert.equal((await consentAndReturn(first)).status, 200);
    const revokes = () =>
      h.quickbooks.control.requestLog.filter((e) => e.kind === 'revoke' && e.status === 200);
    const revoked = revokes().length;
    const grants = h.quickbooks.control.tokenGrants.authorization_code;
    const page = await consentAndReturn(second);
    assert.notEqual(page.status, 200);
    assert.equal(h.quickbooks.control.tokenGrants.authorization_code, grants + 1, 'the code was exchanged');
    assert.equal(revokes().length, revoked + 1, 'and the grant it produced was revoked');
  });
});
