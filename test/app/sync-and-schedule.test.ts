import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import {
  sendBlockAction,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';

let h: Harness;
let n = 0;

async function command(text: string, userId = ADMIN): Promise<string> {
  const id = `s${++n}`;
  const reply = await sendSlashCommand(h.target, { text, userId, responseUrl: h.slack.responseUrl(id) });
  assert.equal(reply.status, 200);
  const posted = await h.slack.waitForResponse((r) => r.id === id);
  return JSON.stringify(posted.body);
}

describe('sync and schedule from Slack', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 400 } } });
    await h.app.finsync.connect({
      provider: 'stripe',
      name: 'stripe',
      input: { api_key: EMULATOR_SECRET_KEY },
      actor: ADMIN,
    });
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('/finsync sync answers at once, then replaces the answer with the result', async () => {
    const id = `sync${++n}`;
    await sendSlashCommand(h.target, {
      text: 'sync stripe',
      userId: ADMIN,
      responseUrl: h.slack.responseUrl(id),
    });
    const started = await h.slack.waitForResponse((r) => r.id === id);
    assert.match(JSON.stringify(started.body), /sync started/);
    const result = await h.slack.waitForResponse(
      (r) => r.id === id && /Succeeded/.test(JSON.stringify(r.body)),
      10_000,
    );
    const body = result.body as { replace_original?: boolean; text: string };
    assert.equal(body.replace_original, true);
    assert.match(body.text, /Sync of stripe: Succeeded/);
    const [run] = await h.app.store.listRuns('stripe', 1);
    assert.equal(run?.status, 'success');
    assert.equal(run?.trigger, 'manual');
    assert.equal(run?.triggeredBy, ADMIN);
    assert.ok((await h.app.store.countRecords('stripe')) > 400);
  });

  test('two quick triggers make one run; the second is told it is already running', async () => {
    const runsBefore = (await h.app.store.listRuns('stripe', 100)).length;
    const [a, b] = await Promise.all([command('sync stripe'), command('sync stripe')]);
    const texts = [a, b].join('\n');
    assert.match(texts, /sync started/);
    assert.match(texts, /already running since/);
    await h.app.core.engine.drain();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.app.core.engine.drain();
    assert.equal((await h.app.store.listRuns('stripe', 100)).length, runsBefore + 1);
  });

  test('a member may read history but not start a sync', async () => {
    assert.match(await command('sync stripe', MEMBER), /Only finsync admins can start syncs/);
    assert.match(await command('history stripe 3', MEMBER), /Sync history: stripe/);
  });

  test('schedule: grammar errors answer with usage; a valid schedule shows its next run and survives a restart', async () => {
    assert.match(await command('schedule stripe every 3 minutes'), /shortest interval is 5 minutes/);
    assert.match(await command('schedule stripe daily 02:00'), /now syncs daily at 02:00 UTC/);
    const status = await command('status');
    assert.match(status, /next run <!date\^\d+/);
    const jobs = await h.app.core.scheduler.jobs();
    const job = jobs.find((j) => j.name === 'scheduled-sync:stripe');
    assert.ok(job?.nextRunAt);
    assert.equal(job.nextRunAt.getUTCHours(), 2);

    await h.close({ keepData: true });
    const restarted = await startHarness({
      dataDir: h.dataDir,
      env: { FINSYNC_ENCRYPTION_KEY: h.env['FINSYNC_ENCRYPTION_KEY']! },
    });
    try {
      const again = (await restarted.app.core.scheduler.jobs()).find(
        (j) => j.name === 'scheduled-sync:stripe',
      );
      assert.equal(again?.nextRunAt?.getTime(), job.nextRunAt.getTime());
      assert.equal((await restarted.app.store.getConnection('stripe'))?.schedule, 'daily 02:00');
      const report = await restarted.app.finsync.status();
      assert.equal(report.connections[0]?.nextRunAt?.getTime(), job.nextRunAt.getTime());
      // `off` removes the job.
      await restarted.app.finsync.schedule({ connection: 'stripe', text: 'off', actor: ADMIN });
      assert.equal(
        (await restarted.app.core.scheduler.jobs()).some((j) => j.name === 'scheduled-sync:stripe'),
        false,
      );
    } finally {
      await restarted.close({ keepData: true });
      h = await startHarness({
        dataDir: h.dataDir,
        env: { FINSYNC_ENCRYPTION_KEY: h.env['FINSYNC_ENCRYPTION_KEY']! },
      });
    }
  });

  test('the Home tab Sync Now button starts a sync and refreshes the Home tab when done', async () => {
    const since = Date.now();
    const reply = await sendBlockAction(h.target, {
      actionId: 'home_sync',
      value: 'stripe',
      userId: ADMIN,
      container: { type: 'view', view_id: 'VHOME' },
    });
    assert.equal(reply.status, 200);
    const modal = await h.slack.waitForCall('views.open', (c) => c.at >= since);
    assert.match(JSON.stringify(modal.args['view']), /sync started|already running/);
    await h.slack.waitForCall(
      'views.publish',
      (c) => c.at >= since && /Healthy/.test(JSON.stringify(c.args['view'])),
      10_000,
    );
  });

  test('the Home tab Schedule button opens a form; a bad schedule stays in the form, a good one is saved', async () => {
    const since = Date.now();
    await sendBlockAction(h.target, {
      actionId: 'home_schedule',
      value: 'stripe',
      userId: ADMIN,
      container: { type: 'view', view_id: 'VHOME' },
    });
    const modal = await h.slack.waitForCall('views.open', (c) => c.at >= since);
    assert.equal((modal.args['view'] as { callback_id: string }).callback_id, 'schedule_submit');
    const submit = (text: string) =>
      sendViewSubmission(h.target, {
        callbackId: 'schedule_submit',
        userId: ADMIN,
        privateMetadata: JSON.stringify({ connection: 'stripe' }),
        values: { schedule: { value: stateValue.text(text) } },
      });
    const bad = (await submit('every 2 minutes')).body as {
      response_action: string;
      errors: Record<string, string>;
    };
    assert.equal(bad.response_action, 'errors');
    assert.match(bad.errors['schedule'] ?? '', /5 minutes/);
    assert.equal((await submit('every 6 hours')).status, 200);
    assert.equal((await h.app.store.getConnection('stripe'))?.schedule, 'every 6 hours');
    const job = (await h.app.core.scheduler.jobs()).find((j) => j.name === 'scheduled-sync:stripe');
    assert.ok(job?.nextRunAt && job.nextRunAt.getTime() > Date.now() + 5 * 3600_000);
  });
});
