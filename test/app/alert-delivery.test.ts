/**
 * A delivery that keeps failing is itself reported: an alert to an archived channel fails for good in the
 * outbox, and each admin gets one DM saying where and why (not one per message, and never about itself).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN, connectStripe, type Harness, startHarness } from '../helpers/app-harness.ts';

const ARCHIVED = 'CARCHIVE1';
let h: Harness;

before(async () => {
  h = await startHarness({ env: { FINSYNC_ALERT_CHANNEL: ARCHIVED } });
  h.slack.setChannel(ARCHIVED, { name: 'old-alerts', isMember: true, isArchived: true });
  await connectStripe(h);
});
after(() => h.close());

test('an alert that cannot be delivered is reported to the admins by DM, once', async () => {
  h.stripe.control.injectFault({ type: 'expired_key' }, 1_000);
  for (let i = 0; i < 3; i++) {
    await h.app.finsync.syncNow({
      target: 'stripe',
      trigger: 'manual',
      actor: ADMIN,
      notify: { kind: 'none' },
    });
    await h.app.core.engine.drain();
    await sleep(300);
    await h.app.core.engine.drain();
  }
  await h.app.core.incidents.drain();
  let dms: ReturnType<typeof h.slack.callsTo> = [];
  for (let i = 0; i < 200 && dms.length === 0; i++) {
    await sleep(20);
    dms = h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === ADMIN && c.ok);
  }
  await sleep(300);
  dms = h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === ADMIN && c.ok);
  assert.equal(dms.length, 1, 'one report, although the parent and its updates all failed');
  assert.match(String(dms[0]!.args['text']), /could not deliver a message to CARCHIVE1: is_archived/);
  assert.match(
    JSON.stringify(dms[0]!.args['blocks']),
    /A failure alert could not be delivered to <#CARCHIVE1>/,
  );
  const failures = await h.app.core.outbox.failures();
  assert.ok(failures.some((f) => f.key.startsWith('alert:') && f.error === 'is_archived'));
});
