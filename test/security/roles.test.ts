/**
 * Roles and audit over the real app: a member is refused on every mutating path (slash commands, Home
 * buttons, modal submissions crafted the way an attacker would send them), told who can do it, changes
 * nothing and leaves a `refused` audit entry; admins (FINSYNC_ADMINS or the FINSYNC_ADMIN_GROUP user group)
 * leave `ok` entries; the CLI acts as the admin `cli` and its changes are audited under that name.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { appHomeOpened, sendEvent } from '../../src/sandbox/slack-requests.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { AuditEntry } from '../../src/store/types.ts';
import { ADMIN, closeEmulators, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';
import { runCli } from '../sync/helpers.ts';
import { shown, slackAs, until } from './roles-driver.ts';

const GROUP = 'S0FINADMINS';
const GROUPIE = 'UGROUPIE01';

let h: Harness;
let slack: ReturnType<typeof slackAs>;
let appStopped = false;

/** Runs `attempt` as a member and checks the refusal: who can, nothing changed, one `refused` entry. */
async function refused(
  label: string,
  expected: { action: string; connection: string | null },
  attempt: () => Promise<string>,
): Promise<void> {
  const before = await slack.snapshot();
  const audited = await slack.auditCount();
  const answer = await attempt();
  assert.match(answer, new RegExp(`Only finsync admins can ${expected.action}`), label);
  // As a mention in blocks, as "@U…" in plain-text places (field errors, notification text).
  assert.match(answer, new RegExp(`(<|&lt;)?@${ADMIN}(>|&gt;)?`), `${label}: names the admins`);
  assert.match(answer, new RegExp(`members of the admin user group ${GROUP}`), `${label}: and the group`);
  // Anything started in the background would show up within a scheduler poll.
  await new Promise((resolve) => setTimeout(resolve, 250));
  await h.app.core.engine.drain();
  assert.equal(await slack.snapshot(), before, `${label}: nothing changed`);
  const entries = await slack.auditSince(audited);
  assert.equal(entries.length, 1, `${label}: one audit entry, got ${JSON.stringify(entries)}`);
  assert.deepEqual(
    { ...entries[0], at: undefined, detail: undefined },
    { actor: MEMBER, outcome: 'refused', at: undefined, detail: undefined, ...expected },
    label,
  );
}

/** Runs `change` as an admin and checks it left one `ok` entry with who, what and which connection. */
async function auditedOk(
  label: string,
  expected: { actor: string; action: string | RegExp; connection: string | null },
  change: () => Promise<unknown>,
): Promise<void> {
  const audited = await slack.auditCount();
  await change();
  const entries = await slack.auditSince(audited);
  assert.equal(entries.length, 1, `${label}: one audit entry, got ${JSON.stringify(entries)}`);
  const [entry] = entries as [AuditEntry];
  assert.equal(entry.outcome, 'ok', label);
  assert.equal(entry.actor, expected.actor, label);
  assert.equal(entry.connection, expected.connection, label);
  if (typeof expected.action === 'string') assert.equal(entry.action, expected.action, label);
  else assert.match(entry.action, expected.action, label);
  assert.ok(Math.abs(Date.parse(entry.at) - Date.now()) < 60_000, `${label}: when`);
}

describe('roles and audit', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 20 } }, env: { FINSYNC_ADMIN_GROUP: GROUP } });
    h.slack.setUserGroup(GROUP, [GROUPIE]);
    slack = slackAs(h);
  });
  after(async () => {
    if (appStopped) await closeEmulators(h);
    else await h.close({ keepData: true });
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('an admin connects through the modal: one ok entry naming who, what and the connection', async () => {
    await auditedOk('connect', { actor: ADMIN, action: 'connect stripe', connection: 'stripe' }, async () => {
      const reply = await slack.connectSubmit(ADMIN, 'stripe', EMULATOR_SECRET_KEY);
      assert.equal((reply.body as { response_action: string }).response_action, 'update');
    });
    assert.equal((await h.app.store.getConnection('stripe'))?.createdBy, ADMIN);
  });

  test('a member is refused every mutating slash command', async () => {
    const cases: [string, { action: string; connection: string | null }][] = [
      ['connect stripe', { action: 'connect systems', connection: null }],
      ['connect quickbooks', { action: 'connect systems', connection: null }],
      ['connect powerbi', { action: 'connect systems', connection: null }],
      ['disconnect stripe', { action: 'disconnect systems', connection: 'stripe' }],
      ['sync stripe', { action: 'start syncs', connection: 'stripe' }],
      ['sync all', { action: 'start syncs', connection: null }],
      ['schedule stripe daily 02:00', { action: 'change schedules', connection: 'stripe' }],
      ['schedule stripe off', { action: 'change schedules', connection: 'stripe' }],
      ['audit', { action: 'read the audit log', connection: null }],
      ['audit 5', { action: 'read the audit log', connection: null }],
    ];
    const opened = h.slack.callsTo('views.open').length;
    for (const [text, expected] of cases)
      await refused(`/finsync ${text}`, expected, async () => shown(await slack.command(text, MEMBER)));
    assert.equal(h.slack.callsTo('views.open').length, opened, 'no form was opened for the member');
  });

  test('a member is refused every admin button of the Home tab, in a modal', async () => {
    const cases: [string, string, { action: string; connection: string | null }][] = [
      ['home_connect', 'connect', { action: 'connect systems', connection: null }],
      ['home_sync', 'stripe', { action: 'start syncs', connection: 'stripe' }],
      ['home_schedule', 'stripe', { action: 'change schedules', connection: 'stripe' }],
      ['home_disconnect', 'stripe', { action: 'disconnect systems', connection: 'stripe' }],
    ];
    for (const [actionId, value, expected] of cases)
      await refused(actionId, expected, () => slack.homeButton(actionId, value, MEMBER));
  });

  test('a member submitting the admin forms directly (crafted state) is refused', async () => {
    await refused(
      'connect_submit with a valid key',
      { action: 'connect systems', connection: 'stripe-2' },
      async () => {
        const reply = await slack.connectSubmit(MEMBER, 'stripe-2', EMULATOR_SECRET_KEY);
        const body = reply.body as { response_action: string; errors: Record<string, string> };
        assert.equal(body.response_action, 'errors', 'the form stays open');
        return Object.values(body.errors).join(' ');
      },
    );
    await refused(
      'disconnect_submit deleting records',
      { action: 'disconnect systems', connection: 'stripe' },
      async () => {
        const reply = await slack.disconnectSubmit(MEMBER, 'stripe', true);
        const body = reply.body as { response_action: string; view: { blocks: unknown[] } };
        assert.equal(body.response_action, 'update');
        assert.deepEqual(checkBlockKit(body.view as never, 'modal'), []);
        return JSON.stringify(body.view);
      },
    );
    await refused('schedule_submit', { action: 'change schedules', connection: 'stripe' }, async () => {
      const reply = await slack.scheduleSubmit(MEMBER, 'stripe', 'every 5 minutes');
      const body = reply.body as { response_action: string; errors: Record<string, string> };
      assert.equal(body.response_action, 'errors');
      return Object.values(body.errors).join(' ');
    });
  });

  test('a refused connect form does not blame the provider', async () => {
    const reply = await slack.connectSubmit(MEMBER, 'stripe-3', EMULATOR_SECRET_KEY);
    assert.doesNotMatch(JSON.stringify(reply.body), /Stripe said/);
  });

  test('a refusal shows the admins as mentions, not as escaped ids', async () => {
    const reply = await slack.command('audit', MEMBER);
    assert.match(JSON.stringify(reply.blocks), new RegExp(`<@${ADMIN}>`));
  });

  test('a member may still read: status, history and the Home tab (without admin buttons)', async () => {
    assert.match(shown(await slack.command('status', MEMBER)), /stripe/);
    assert.match(
      JSON.stringify(await slack.command('history stripe', MEMBER)),
      /sync runs of \*stripe\*|Sync history: stripe/,
    );
    const since = Date.now();
    await sendEvent(h.target, appHomeOpened(MEMBER));
    const home = await h.slack.waitForCall(
      'views.publish',
      (c) => c.at >= since && c.args['user_id'] === MEMBER,
    );
    assert.match(JSON.stringify(home.args['view']), /stripe/);
    assert.doesNotMatch(
      JSON.stringify(home.args['view']),
      /home_connect|home_sync|home_schedule|home_disconnect/,
    );
  });

  test('admin changes from Slack leave ok entries: schedule, sync (command and button), schedule form', async () => {
    await auditedOk(
      '/finsync schedule',
      { actor: ADMIN, action: 'schedule daily 02:00', connection: 'stripe' },
      () => slack.command('schedule stripe daily 02:00', ADMIN),
    );
    await auditedOk('/finsync sync', { actor: ADMIN, action: 'sync', connection: 'stripe' }, async () => {
      assert.match((await slack.command('sync stripe', ADMIN)).text, /sync started/);
    });
    // The next trigger must find nothing queued or running, or it is (rightly) not a new sync.
    await until('the sync to finish', async () => {
      const runs = await h.app.store.listRuns('stripe', 10);
      return runs.length === 1 && runs[0]?.status !== 'running' && !h.app.core.engine.activeRun('stripe');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await auditedOk('home_sync', { actor: ADMIN, action: 'sync', connection: 'stripe' }, async () => {
      assert.match(await slack.homeButton('home_sync', 'stripe', ADMIN), /sync started|already running/);
    });
    await auditedOk(
      'schedule_submit',
      { actor: ADMIN, action: 'schedule every 6 hours', connection: 'stripe' },
      async () => assert.equal((await slack.scheduleSubmit(ADMIN, 'stripe', 'every 6 hours')).status, 200),
    );
    assert.equal((await h.app.store.getConnection('stripe'))?.schedule, 'every 6 hours');
  });

  test('a member of FINSYNC_ADMIN_GROUP is an admin', async () => {
    await auditedOk(
      'group member schedules',
      { actor: GROUPIE, action: 'schedule hourly', connection: 'stripe' },
      async () => assert.match((await slack.command('schedule stripe hourly', GROUPIE)).text, /now syncs/),
    );
    assert.match(await slack.homeButton('home_connect', 'connect', GROUPIE), /connect_pick_provider/);
    const home = await h.slack.waitForCall('views.publish', (c) => c.args['user_id'] === GROUPIE);
    assert.match(JSON.stringify(home.args['view']), /home_sync/, 'the Home tab shows admin buttons');
  });

  test('an admin disconnects through the modal: one ok entry', async () => {
    await auditedOk('disconnect', { actor: ADMIN, action: 'disconnect', connection: 'stripe' }, async () => {
      const reply = await slack.disconnectSubmit(ADMIN, 'stripe', false);
      assert.match(JSON.stringify(reply.body), /Disconnected \*stripe\*/);
    });
    assert.equal(await h.app.store.getConnection('stripe'), undefined);
  });

  test('the CLI acts as the admin "cli": connect, schedule, disconnect are audited under that name', async () => {
    // One process writes the embedded store at a time: stop the app, keep its data and the emulators.
    await h.app.stop();
    appStopped = true;
    const env = { ...h.env, LOG_LEVEL: 'warn' };
    const cli = async (...args: string[]) => {
      const result = await runCli(args, env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}${result.stdout}`);
      return result.stdout;
    };
    const audit = async () => {
      const store = await EmbeddedStore.open(h.dataDir);
      try {
        return await store.listAudit(100_000);
      } finally {
        await store.close();
      }
    };
    const before = (await audit()).length;
    await cli('connect', 'stripe', '--name', 'ledger', '--set', `api_key=${EMULATOR_SECRET_KEY}`);
    await cli('schedule', 'ledger', 'daily', '03:00');
    await cli('disconnect', 'ledger', '--delete-records');
    const entries = (await audit()).slice(0, -before || undefined).reverse();
    assert.deepEqual(
      entries.map((e) => [e.actor, e.action, e.connection, e.outcome]),
      [
        ['cli', 'connect stripe', 'ledger', 'ok'],
        ['cli', 'schedule daily 03:00', 'ledger', 'ok'],
        ['cli', 'disconnect and delete records', 'ledger', 'ok'],
      ],
    );
    const exported = JSON.parse(await cli('export', 'audit')) as AuditEntry[];
    assert.ok(exported.some((e) => e.actor === 'cli' && e.action === 'connect stripe'));
    assert.ok(exported.some((e) => e.actor === MEMBER && e.outcome === 'refused'));
  });

  test('the CLI sync is audited under "cli" like every other trigger', async () => {
    const env = { ...h.env, LOG_LEVEL: 'warn' };
    const audit = async () => {
      const store = await EmbeddedStore.open(h.dataDir);
      try {
        return await store.listAudit(100_000);
      } finally {
        await store.close();
      }
    };
    assert.equal(
      (
        await runCli(
          ['connect', 'stripe', '--name', 'cli-sync', '--set', `api_key=${EMULATOR_SECRET_KEY}`],
          env,
        )
      ).code,
      0,
    );
    const before = (await audit()).length;
    assert.equal((await runCli(['sync', 'cli-sync'], env)).code, 0);
    const entries = (await audit()).slice(0, -before || undefined);
    assert.deepEqual(
      entries.map((e) => [e.actor, e.action, e.connection, e.outcome]),
      [['cli', 'sync', 'cli-sync', 'ok']],
    );
  });
});
