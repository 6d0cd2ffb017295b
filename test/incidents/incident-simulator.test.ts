/**
 * The incident simulator: sequences of run outcomes, a clock the test moves, and what Slack ends up with,
 * counted in the Slack emulator (top-level posts, edits of the parent, thread replies, mentions, buttons).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { OutboxPort } from '../../src/incidents/incident-service.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import type { IncidentStore } from '../../src/store/ports/incidents.ts';
import type { RunStatus } from '../../src/store/types.ts';
import { ALERTS, type IncidentWorld, incidentWorld, OWNER, parents, TOKEN } from './helpers.ts';

let slack: SlackEmulator;
let world: IncidentWorld;

before(async () => {
  slack = await startSlackEmulator({ botToken: TOKEN });
});
after(() => slack.close());
afterEach(async () => {
  await world?.close(true);
  slack.reset();
});

const hasButtons = (blocks: unknown) => JSON.stringify(blocks ?? []).includes('"type":"button"');

type Step = readonly [RunStatus, string?];

interface Case {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly parents: number;
  /** Replies in the parent's thread, by kind. */
  readonly failureReplies: number;
  readonly escalations: number;
  readonly recoveries: number;
  readonly resolved: boolean;
}

const fail = (errorClass = 'transient'): Step => ['failed', errorClass];
const ok: Step = ['success'];

const CASES: readonly Case[] = [
  {
    name: '6 transient failures then recovery: 1 post, updates, replies, 1 escalation, 1 recovery, no buttons left',
    steps: [fail(), fail(), fail(), fail(), fail(), fail(), ok],
    parents: 1,
    // The alert is raised by failure 2; failures 3–6 each add a reply.
    failureReplies: 4,
    escalations: 1,
    recoveries: 1,
    resolved: true,
  },
  {
    name: 'an authentication failure alerts on the first run',
    steps: [fail('auth')],
    parents: 1,
    failureReplies: 0,
    escalations: 0,
    recoveries: 0,
    resolved: false,
  },
  {
    name: 'a single transient failure posts nothing, and neither does the success after it',
    steps: [fail(), ok],
    parents: 0,
    failureReplies: 0,
    escalations: 0,
    recoveries: 0,
    resolved: false,
  },
  {
    name: 'two transient failures in a row alert on the second',
    steps: [fail(), fail()],
    parents: 1,
    failureReplies: 0,
    escalations: 0,
    recoveries: 0,
    resolved: false,
  },
  {
    name: 'partial runs count as success; cancelled runs say nothing',
    steps: [fail('auth'), ['cancelled'], fail('auth'), ['partial']],
    parents: 1,
    failureReplies: 1,
    escalations: 0,
    recoveries: 1,
    resolved: true,
  },
  {
    name: 'a second incident after a recovery is a new alert',
    steps: [fail('auth'), ok, fail('auth'), fail('auth')],
    parents: 2,
    failureReplies: 1,
    escalations: 0,
    recoveries: 1,
    resolved: false,
  },
];

describe('incident simulator', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      world = await incidentWorld({ slack });
      for (const [status, errorClass] of c.steps) await world.run(status, errorClass);
      await world.settle();
      const posts = parents(world);
      assert.equal(posts.length, c.parents, 'top-level posts');
      const replies = posts.flatMap((p) => slack.threadReplies(ALERTS, p.ts));
      const texts = replies.map((r) => r.text);
      assert.equal(texts.filter((t) => /failed again/.test(t)).length, c.failureReplies, 'failure replies');
      assert.equal(texts.filter((t) => /^Escalation/.test(t)).length, c.escalations, 'escalations');
      assert.equal(texts.filter((t) => /recovered/.test(t)).length, c.recoveries, 'recovery replies');
      const last = posts.at(-1);
      if (c.resolved) {
        assert.ok(last);
        assert.match(last.text, /^Resolved/);
        assert.equal(hasButtons(last.blocks), false, 'no buttons on a resolved alert');
        assert.match(JSON.stringify(last.blocks), /Resolved ·/);
      } else if (last) {
        assert.equal(hasButtons(last.blocks), true);
      }
      // Routine messages mention nobody; the escalation mentions the owner, once.
      const mentions = [...posts, ...replies].flatMap(
        (m) => JSON.stringify(m.blocks).match(/<@U[A-Z0-9]+>/g) ?? [],
      );
      assert.deepEqual(mentions, c.escalations > 0 ? [`<@${OWNER}>`] : []);
      const everything = JSON.stringify(slack.calls.map((call) => call.args));
      assert.doesNotMatch(everything, /<!channel>|<!here>|<!everyone>/);
    });
  }

  test('further failures update the parent in place: failing since the first failure, the run count grows', async () => {
    world = await incidentWorld({ slack });
    const first = await world.run('failed', 'auth');
    await world.run('failed', 'auth');
    await world.run('failed', 'auth');
    await world.settle();
    const [parent] = parents(world);
    assert.ok(parent);
    assert.equal(parent.updates, 2, 'one edit per further failure');
    assert.match(parent.text, /3 failed runs/);
    const unix = Math.floor(Date.parse(first.startedAt) / 1000);
    assert.match(JSON.stringify(parent.blocks), new RegExp(`Failing\\* since <!date\\^${unix}\\^`));
    assert.match(JSON.stringify(parent.blocks), /incident:\d+:v3/, 'block_id names the version');
  });

  test('snooze suppresses everything until it ends, then re-alerts once (broadcast), and never again', async () => {
    world = await incidentWorld({ slack, policy: { alertAfter: 2, escalateAfter: 50 } });
    await world.run('failed', 'auth');
    await world.settle();
    const incident = (await world.incidents.open('stripe'))!;
    const until = new Date(world.clock + 60 * 60_000).toISOString();
    const outcome = await world.incidents.snooze(incident.id, incident.version, {
      choice: '1h',
      until,
      by: 'UADMIN0001',
      byName: 'Ada <admin> & co',
    });
    assert.equal(outcome.kind, 'ok');
    await world.settle();
    const [parent] = parents(world);
    assert.match(JSON.stringify(parent!.blocks), /Snoozed\* by Ada &lt;admin&gt; &amp; co until <!date/);
    const callsBefore = slack.calls.length;
    // Three failures within the hour: nothing at all reaches Slack.
    for (let i = 0; i < 3; i++) await world.run('failed', 'auth');
    await world.incidents.tick();
    await world.settle();
    assert.equal(slack.calls.length, callsBefore, 'nothing posted or edited while snoozed');
    // The hour passes: one broadcast reply and an updated parent.
    world.clock = Date.parse(until) + 1;
    await world.incidents.tick();
    await world.incidents.tick();
    await world.settle();
    const replies = slack.threadReplies(ALERTS, parent!.ts);
    const realerts = replies.filter((r) => /Snooze ended/.test(r.text));
    assert.equal(realerts.length, 1);
    assert.equal(realerts[0]!.replyBroadcast, true);
    assert.match(realerts[0]!.text, /4 failed runs/);
    const after = slack.message(ALERTS, parent!.ts)!;
    assert.doesNotMatch(JSON.stringify(after.blocks), /Snoozed/);
    await world.incidents.tick();
    await world.settle();
    assert.equal(
      slack.threadReplies(ALERTS, parent!.ts).filter((r) => /Snooze ended/.test(r.text)).length,
      1,
    );
  });

  test('a snooze "until resolved" ends with the recovery, which is posted', async () => {
    world = await incidentWorld({ slack });
    await world.run('failed', 'auth');
    const incident = (await world.incidents.open('stripe'))!;
    await world.incidents.snooze(incident.id, incident.version, {
      choice: 'until_resolved',
      until: null,
      by: 'UADMIN0001',
      byName: 'Ada',
    });
    await world.run('failed', 'auth');
    world.clock += 48 * 3_600_000;
    await world.incidents.tick();
    await world.run('success');
    await world.settle();
    const [parent] = parents(world);
    const replies = slack.threadReplies(ALERTS, parent!.ts).map((r) => r.text);
    assert.deepEqual(
      replies.map((t) => (/recovered/.test(t) ? 'recovered' : t)),
      ['recovered'],
    );
    assert.match(parent!.text, /^Resolved/);
  });

  test('a snooze on an outdated version or a resolved incident is refused; a repeat has no effect', async () => {
    world = await incidentWorld({ slack });
    await world.run('failed', 'auth');
    const v1 = (await world.incidents.open('stripe'))!;
    await world.run('failed', 'auth');
    const snooze = {
      choice: '1h' as const,
      until: new Date(world.clock + 3_600_000).toISOString(),
      by: 'U1',
      byName: 'A',
    };
    assert.equal((await world.incidents.snooze(v1.id, v1.version, snooze)).kind, 'stale');
    const v2 = (await world.incidents.open('stripe'))!;
    assert.equal((await world.incidents.claimRetry(v2.id, v2.version, 'U1')).kind, 'ok');
    assert.equal((await world.incidents.claimRetry(v2.id, v2.version, 'U2')).kind, 'duplicate');
    await world.run('success');
    assert.equal((await world.incidents.snooze(v2.id, v2.version + 1, snooze)).kind, 'resolved');
  });

  test('subscribers get failures and recoveries; a recoveries-only channel gets one top-level recovery', async () => {
    world = await incidentWorld({ slack });
    await world.routing.subscribe({ id: 'CSUBFAIL1', name: 'ops' }, 'stripe', ['failures'], 'U1');
    await world.routing.subscribe({ id: 'CSUBREC01', name: 'fin' }, 'all', ['recoveries'], 'U1');
    await world.run('failed', 'auth');
    await world.run('failed', 'auth');
    await world.run('success');
    await world.settle();
    for (const channel of [ALERTS, 'CSUBFAIL1']) {
      const [parent, ...more] = parents(world, channel);
      assert.equal(more.length, 0, channel);
      assert.match(parent!.text, /^Resolved/, channel);
    }
    // The failures-only channel gets no recovery reply; the default channel does.
    const [ops] = parents(world, 'CSUBFAIL1');
    assert.equal(slack.threadReplies('CSUBFAIL1', ops!.ts).filter((r) => /recovered/.test(r.text)).length, 0);
    const [main] = parents(world, ALERTS);
    assert.equal(slack.threadReplies(ALERTS, main!.ts).filter((r) => /recovered/.test(r.text)).length, 1);
    const notices = parents(world, 'CSUBREC01');
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.text, /recovered after 2 failed runs/);
  });

  test('disconnecting a failing connection closes its alert: buttons gone, no recovery claimed', async () => {
    world = await incidentWorld({ slack });
    await world.run('failed', 'auth');
    await world.incidents.onDisconnected('stripe');
    await world.settle();
    const [parent] = parents(world);
    assert.equal(hasButtons(parent!.blocks), false);
    assert.match(JSON.stringify(parent!.blocks), /Closed\* <!date.*the connection was disconnected/);
    assert.equal(slack.threadReplies(ALERTS, parent!.ts).length, 0);
    assert.equal(await world.incidents.open('stripe'), undefined);
  });

  test('a crash around queueing the first alert neither loses nor doubles it', async () => {
    world = await incidentWorld({ slack });
    const deps = (world.incidents as unknown as { deps: { incidents: IncidentStore; outbox: OutboxPort } })
      .deps;
    // 1: the process dies while the first post is being queued (before anything is recorded).
    const enqueue = deps.outbox.enqueue.bind(deps.outbox);
    let failQueue = true;
    deps.outbox = {
      enqueue: async (message) => {
        if (failQueue && message.key.endsWith(':post')) {
          failQueue = false;
          throw new Error('process died while queueing');
        }
        return enqueue(message);
      },
    };
    await world.run('failed', 'auth');
    // 2: the next failure queues the post, and the process dies before recording that it did.
    const save = deps.incidents.save.bind(deps.incidents);
    let failSave = true;
    deps.incidents.save = async (incident) => {
      if (failSave && incident.alertedAt !== null) {
        failSave = false;
        throw new Error('process died before recording');
      }
      await save(incident);
    };
    await world.run('failed', 'auth');
    await world.run('failed', 'auth');
    await world.run('failed', 'auth');
    await world.settle();
    assert.equal(failQueue || failSave, false, 'both crashes happened');
    const posts = parents(world);
    assert.equal(posts.length, 1, 'one alert, not none and not two');
    // The crash before recording cost one count; the alert shows what is recorded, and is updated in place.
    const incident = (await world.incidents.open('stripe'))!;
    assert.match(posts[0]!.text, new RegExp(`${incident.failedRuns} failed runs`));
    assert.ok(posts[0]!.updates >= 1, 'later failures update the same alert');
  });
});
