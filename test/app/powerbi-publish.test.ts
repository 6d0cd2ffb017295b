import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  EMULATOR_GROUP,
  EMULATOR_TENANT_ID,
} from '../../connectors/powerbi/emulator.ts';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { sendSlashCommand, sendViewSubmission, stateValue } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;

/** A manual sync of stripe through the job lifecycle: the sync, then a publish to every destination. */
async function syncStripe() {
  const outcome = await h.app.core.jobs.run({
    connection: 'stripe',
    trigger: 'manual',
    triggeredBy: ADMIN,
    notify: { kind: 'none' },
  });
  assert.equal(outcome.kind, 'ended');
  return outcome;
}

describe('Power BI as a destination', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 300 } } });
    await h.app.finsync.connect({
      provider: 'stripe',
      name: 'stripe',
      input: { api_key: EMULATOR_SECRET_KEY },
      actor: ADMIN,
    });
  });
  after(async () => {
    await h.close();
  });

  test('connect powerbi through its form; a wrong secret keeps the form open with Microsoft’s reason', async () => {
    await sendSlashCommand(h.target, { text: 'connect powerbi', userId: ADMIN });
    const opened = await h.slack.waitForCall('views.open');
    assert.match(JSON.stringify(opened.args['view']), /cred_client_secret/);
    const submit = (secret: string) =>
      sendViewSubmission(h.target, {
        callbackId: 'connect_submit',
        userId: ADMIN,
        privateMetadata: JSON.stringify({ provider: 'powerbi', channelId: null }),
        values: {
          connection_name: { value: stateValue.text('powerbi') },
          cred_tenant_id: { value: stateValue.text(EMULATOR_TENANT_ID) },
          cred_client_id: { value: stateValue.text(EMULATOR_CLIENT_ID) },
          cred_client_secret: { value: stateValue.text(secret) },
          cred_workspace_id: { value: stateValue.text(EMULATOR_GROUP.id) },
        },
      });
    const bad = (await submit('wrong-secret-value-123')).body as {
      response_action: string;
      errors: Record<string, string>;
    };
    assert.equal(bad.response_action, 'errors');
    assert.match(Object.values(bad.errors).join(' '), /AADSTS/);
    const good = (await submit(EMULATOR_CLIENT_SECRET)).body as { response_action: string };
    assert.equal(good.response_action, 'update');
    assert.equal((await h.app.store.getConnection('powerbi'))?.provider, 'powerbi');
  });

  test('after a source sync the new records are published once, as their own run; a second sync publishes only changes', async () => {
    const first = await syncStripe();
    assert.equal(first.run.status, 'success');
    assert.deepEqual(
      first.published.map((r) => [r.connection, r.status]),
      [['powerbi', 'success']],
    );
    const stored = await h.app.store.countRecords('stripe');
    const rows = () => h.powerbi.control.rows('records');
    assert.equal(rows().length, stored, 'one row per record');
    const [publish] = await h.app.store.listRuns('powerbi', 1);
    assert.equal(publish?.status, 'success');
    assert.equal(publish?.streams['published']?.inserted, stored);

    h.stripe.control.addObjects(5);
    await syncStripe();
    assert.equal(rows().length, stored + (await h.app.store.countRecords('stripe')) - stored);
    const status = await h.app.finsync.status();
    assert.match(status.connections.find((c) => c.name === 'powerbi')?.accountLabel ?? '', /finsync in/);
  });

  test('/finsync history powerbi shows publish runs', async () => {
    await sendSlashCommand(h.target, {
      text: 'history powerbi',
      userId: ADMIN,
      responseUrl: h.slack.responseUrl('hist'),
    });
    const reply = await h.slack.waitForResponse((r) => r.id === 'hist');
    assert.match(JSON.stringify(reply.body), /Sync history: powerbi/);
  });

  test('a push that lands but whose answer is lost is not pushed twice; a push that fails is retried: every row once', async () => {
    h.stripe.control.addObjects(40);
    // The sync itself asks Power BI nothing: these failures meet the publish that follows it.
    h.powerbi.control.failNext(1, 'lost');
    h.powerbi.control.failNext(1, '500');
    await syncStripe();
    const ids = h.powerbi.control.rows('records').map((r) => `${String(r['id'])}@${String(r['version'])}`);
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    const current = new Set(h.powerbi.control.rows('records').map((r) => String(r['id'])));
    assert.equal(current.size, await h.app.store.countRecords('stripe'), 'every record present');
  });
});
