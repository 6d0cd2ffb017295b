import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';

const MONEY_VIEWERS = 'SMONEYVIEW';
const VIEWER = 'UVIEWER001';

let h: Harness;
let n = 0;

/** `/finsync digest now` as `userId`: what comes back through response_url. */
async function digestNow(userId: string): Promise<{ ephemeral: boolean; body: string }> {
  const id = `money${++n}`;
  await sendSlashCommand(h.target, { text: 'digest now', userId, responseUrl: h.slack.responseUrl(id) });
  const reply = await h.slack.waitForResponse((r) => r.id === id);
  const body = reply.body as { response_type?: string };
  return { ephemeral: body.response_type === 'ephemeral', body: JSON.stringify(reply.body) };
}

describe("FINSYNC_MONEY_VIEWERS_GROUP: who may see the digest's money", () => {
  before(async () => {
    h = await startHarness({ env: { FINSYNC_MONEY_VIEWERS_GROUP: MONEY_VIEWERS } });
    h.slack.setUserGroup(MONEY_VIEWERS, [VIEWER]);
  });
  after(async () => {
    await h.close();
  });

  test('a member outside the group gets an ephemeral refusal naming the rule, and no figures', async () => {
    const reply = await digestNow(MEMBER);
    assert.ok(reply.ephemeral);
    assert.match(reply.body, /only finsync admins and members of the user group SMONEYVIEW/);
    assert.match(reply.body, /FINSYNC_MONEY_VIEWERS_GROUP/);
    assert.doesNotMatch(reply.body, /finsync digest for /);
    const audit = await h.app.store.listAudit(5);
    assert.ok(audit.some((e) => e.actor === MEMBER && e.action === 'digest now' && e.outcome === 'refused'));
  });

  test('a member of the group, and an admin, get the digest', async () => {
    for (const userId of [VIEWER, ADMIN]) {
      const reply = await digestNow(userId);
      assert.ok(reply.ephemeral, 'shown to the person only');
      assert.doesNotMatch(reply.body, /only finsync admins/);
      assert.match(reply.body, /finsync digest for /);
    }
  });
});
