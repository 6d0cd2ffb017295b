import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

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

describe('provider and request text reaches Slack escaped', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

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
