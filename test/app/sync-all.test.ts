/**
 * `/finsync sync all` answers with one message listing every connection, edited in place (replace_original)
 * through the command's response_url as the syncs end, within Slack's 5 posts per response_url, and its last
 * version gives every connection's result with a summary that says what failed.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import {
  ADMIN,
  connectQuickBooks,
  connectStripe,
  type Harness,
  startHarness,
} from '../helpers/app-harness.ts';

let h: Harness;

interface Posted {
  readonly text: string;
  readonly replace_original?: boolean;
  readonly response_type?: string;
  readonly blocks: unknown[];
}

describe('sync all from Slack', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 600 } } });
    const [books, booksEu] = h.quickbooks.control.realmIds;
    await connectStripe(h);
    await connectQuickBooks(h, books!, 'books');
    await connectQuickBooks(h, booksEu!, 'books-eu');
    // Intuit revoked the second company's grant: its sync fails on authentication.
    h.quickbooks.control.expireAccessTokens(booksEu);
    h.quickbooks.control.revokeRefreshTokens(booksEu);
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('one message lists every connection and is edited in place until each has its result', {
    timeout: 60_000,
  }, async () => {
    const id = 'sync-all';
    const reply = await sendSlashCommand(h.target, {
      text: 'sync all',
      userId: ADMIN,
      responseUrl: h.slack.responseUrl(id),
    });
    assert.equal(reply.status, 200);
    const first = (await h.slack.waitForResponse((r) => r.id === id, 5_000)).body as Posted;
    assert.match(first.text, /^Sync all: \d of 3 syncs done/);
    for (const name of ['stripe', 'books', 'books-eu'])
      assert.match(JSON.stringify(first.blocks), new RegExp(`\\*${name}\\*`));

    const final = await h.slack.waitForResponse(
      (r) => r.id === id && /3 of 3 syncs done/.test((r.body as Posted).text),
      30_000,
    );
    // Nothing more comes after the final state (a late intermediate would overwrite it).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const posts = h.slack.responses.filter((r) => r.id === id);
    assert.ok(posts.length <= 5, `${posts.length} posts to one response_url`);
    assert.ok(
      posts.every((p) => p.ok),
      'Slack accepted every post',
    );
    assert.equal(posts.at(-1), final, 'the final state is the last post');
    for (const post of posts) {
      const body = post.body as Posted;
      assert.equal(body.replace_original, true);
      assert.equal(body.response_type, 'ephemeral');
    }

    const body = final.body as Posted;
    assert.equal(body.text, 'Sync all: 3 of 3 syncs done, 1 failed');
    const shown = JSON.stringify(body.blocks);
    const stripeRecords = (await h.app.store.listRuns('stripe', 1))[0]!.streams;
    const fetched = Object.values(stripeRecords).reduce((sum, c) => sum + c.fetched, 0);
    assert.match(
      shown,
      new RegExp(
        `\\*stripe\\*: succeeded · ${fetched.toLocaleString('en-US')} records in (under 1 s|\\d+ s)`,
      ),
    );
    assert.match(shown, /\*books\*: succeeded · [\d,]+ records in (under 1 s|\d+ s)/);
    assert.match(shown, /\*books-eu\*: failed in (under 1 s|\d+ s): credentials refused: /);
    assert.doesNotMatch(shown, /queued|running/);
    const [failedRun] = await h.app.store.listRuns('books-eu', 1);
    assert.equal(failedRun?.status, 'failed');
  });

  test('a connection already running is listed as not started, naming who runs it', {
    timeout: 30_000,
  }, async () => {
    await h.app.core.jobs.drain();
    // Another process holds stripe's run lease.
    await h.app.store.startRun(
      {
        id: 'held-elsewhere',
        connection: 'stripe',
        trigger: 'cli',
        triggeredBy: 'cli',
        startedAt: new Date().toISOString(),
        endedAt: null,
        status: 'running',
        streams: {},
        errorClass: null,
        errorMessage: null,
        skipped: [],
      },
      { holder: 'pid 4242 on ops-box (cli)', ttlMs: 60_000 },
    );
    try {
      const id = 'sync-all-busy';
      await sendSlashCommand(h.target, {
        text: 'sync all',
        userId: ADMIN,
        responseUrl: h.slack.responseUrl(id),
      });
      const final = await h.slack.waitForResponse(
        (r) => r.id === id && /3 of 3 syncs done/.test((r.body as Posted).text),
        30_000,
      );
      const body = final.body as Posted;
      assert.equal(body.text, 'Sync all: 3 of 3 syncs done, 1 failed, 1 already running');
      assert.match(
        JSON.stringify(body.blocks),
        /\*stripe\*: not started, already running since <!date\^\d+.*started .*cli/,
      );
    } finally {
      await h.app.store.updateRun('held-elsewhere', {
        status: 'cancelled',
        endedAt: new Date().toISOString(),
      });
    }
  });
});
