import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSandboxPublicToken } from '../../connectors/plaid/connector.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { LinkSessions } from '../../src/services/link-sessions.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;

describe('connecting Plaid through Plaid Link', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('the connect modal links to our Link page; the page completes the connection once and updates the modal', async () => {
    await sendSlashCommand(h.target, { text: 'connect plaid', userId: ADMIN });
    const opened = await h.slack.waitForCall('views.open');
    const url = /"url":"([^"]+\/plaid\/link\?state=[^"]+)"/.exec(JSON.stringify(opened.args['view']))?.[1];
    assert.ok(url, 'a URL button to the Link page');
    const state = new URL(url).searchParams.get('state')!;

    const pageResponse = await fetch(`${h.target.url}/plaid/link?state=${state}`);
    assert.equal(pageResponse.status, 200);
    assert.match(await pageResponse.text(), /link-sandbox-|linkToken/);

    const publicToken = await createSandboxPublicToken({
      baseUrl: h.plaid.url,
      clientId: h.plaid.clientId,
      secret: h.plaid.secret,
    });
    const complete = (body: unknown) =>
      fetch(`${h.target.url}/plaid/link/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = await complete({ public_token: publicToken, state });
    assert.equal(first.status, 200, await first.clone().text());
    const [connection] = await h.app.store.listConnections();
    assert.equal(connection?.provider, 'plaid');
    assert.equal(connection?.name, 'plaid');
    const update = await h.slack.waitForCall('views.update');
    assert.match(JSON.stringify(update.args['view']), /Connected Plaid as `plaid`/);

    const replay = await complete({ public_token: publicToken, state });
    assert.equal(replay.status, 400, 'a used state is refused');
    assert.equal((await h.app.store.listConnections()).length, 1);
    assert.equal(
      (await fetch(`${h.target.url}/plaid/link?state=${state}`)).status,
      400,
      'the page refuses a used state',
    );
  });

  test('unknown states and malformed bodies change nothing', async () => {
    const post = (body: string) =>
      fetch(`${h.target.url}/plaid/link/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    assert.equal(
      (await post(JSON.stringify({ public_token: 'public-sandbox-x', state: 'forged' }))).status,
      400,
    );
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post(JSON.stringify({ state: 'x'.repeat(20_000) }))).status, 413);
    assert.equal((await fetch(`${h.target.url}/plaid/link?state=forged`)).status, 400);
  });

  test('link sessions expire and are single-use', async () => {
    let now = 0;
    const sessions = new LinkSessions(h.app.store.linkSessions, () => now);
    const state = await sessions.create({ userId: 'U1', provider: 'plaid', name: 'plaid' });
    assert.ok(await sessions.peek(state));
    now += 15 * 60_000 + 1;
    assert.equal(await sessions.take(state), null);
    const second = await sessions.create({ userId: 'U1', provider: 'plaid', name: 'plaid' });
    assert.ok(await sessions.take(second));
    assert.equal(await sessions.take(second), null);
  });
});
