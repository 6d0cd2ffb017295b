/**
 * `npx finsync sync` as an operator runs it (a child process on the app's data folder) goes through the same
 * job lifecycle as a sync asked for in Slack: the same audit entry, the run recorded, then a publish to
 * every destination.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { SyncRun } from '../../src/store/types.ts';
import {
  ADMIN,
  closeEmulators,
  connectPowerBi,
  connectStripe,
  type Harness,
  startHarness,
} from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

let h: Harness;
let appStopped = false;

describe('a CLI sync', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 80 } } });
    await connectStripe(h);
    await connectPowerBi(h.app.finsync);
  });
  after(async () => {
    if (appStopped) await closeEmulators(h);
    else await h.close({ keepData: true });
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('is audited like a Slack sync and publishes what it brought to Power BI, as a run triggered from the CLI', {
    timeout: 60_000,
  }, async () => {
    await sendSlashCommand(h.target, {
      text: 'sync stripe',
      userId: ADMIN,
      responseUrl: h.slack.responseUrl('slack-sync'),
    });
    await h.slack.waitForResponse(
      (r) => r.id === 'slack-sync' && /Succeeded/.test(JSON.stringify(r.body)),
      10_000,
    );
    // The publish that follows the sync ends too before the app stops.
    await h.app.core.jobs.drain();

    // One process writes the embedded store at a time: stop the app, keep its data and the emulators.
    await h.app.stop();
    appStopped = true;
    h.stripe.control.addObjects(7);
    const cli = await runCli(['sync', 'stripe', '--json'], { ...h.env, LOG_LEVEL: 'warn' });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal((JSON.parse(cli.stdout) as SyncRun).status, 'success');

    const store = await EmbeddedStore.open(h.dataDir);
    try {
      const syncs = (await store.listAudit(100))
        .filter((e) => e.action === 'sync')
        .map(({ at: _at, ...entry }) => entry);
      assert.deepEqual(syncs, [
        { actor: 'cli', action: 'sync', connection: 'stripe', outcome: 'ok', detail: 'cli' },
        { actor: ADMIN, action: 'sync', connection: 'stripe', outcome: 'ok', detail: 'manual' },
      ]);

      const [cliRun] = await store.listRuns('stripe', 1);
      assert.deepEqual([cliRun?.trigger, cliRun?.status], ['cli', 'success']);
      const [slackPublish, cliPublish] = (await store.listRuns('powerbi', 10)).toReversed();
      assert.deepEqual([slackPublish?.trigger, slackPublish?.status], ['manual', 'success']);
      assert.deepEqual([cliPublish?.trigger, cliPublish?.status], ['cli', 'success']);
      assert.ok((cliPublish?.streams['published']?.inserted ?? 0) > 0, 'the CLI sync’s changes were pushed');
      const rows = new Set(h.powerbi.control.rows('records').map((r) => String(r['id'])));
      assert.equal(rows.size, await store.countRecords('stripe'), 'every record is in Power BI');
    } finally {
      await store.close();
    }
  });
});
