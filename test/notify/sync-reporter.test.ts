import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { PROGRESS_INTERVAL_MS, PROGRESS_POSTS, syncReporter } from '../../src/notify/sync-reporter.ts';
import type { SyncRun } from '../../src/store/types.ts';

const run: SyncRun = {
  id: 'r1',
  connection: 'stripe',
  trigger: 'manual',
  triggeredBy: 'U1',
  startedAt: '2026-01-01T00:00:00Z',
  endedAt: '2026-01-01T00:05:00Z',
  status: 'success',
  streams: {},
  errorClass: null,
  errorMessage: null,
  skipped: [],
};

test('progress through a response_url stays within Slack’s 5 posts: spaced out, capped, and the result always gets its post', async () => {
  let now = 0;
  const posts: { replace_original: boolean; text: string }[] = [];
  const reporter = syncReporter(
    {
      log: silentLogger(),
      postToResponseUrl: async (_url, body) => void posts.push(body as never),
      refreshHome: async () => {},
      now: () => now,
    },
    { kind: 'response_url', url: 'http://x', userId: 'U1' },
    'stripe',
  );
  for (let records = 0; records < 100_000; records += 100) {
    now += 250;
    reporter.progress(records, run.startedAt);
  }
  await reporter.finished(run);
  const progress = posts.filter((p) => /records so far/.test(p.text));
  assert.equal(progress.length, PROGRESS_POSTS);
  assert.ok(posts.length + 1 <= 5, 'the "started" reply plus these stay within 5');
  assert.match(posts.at(-1)!.text, /Sync of stripe: Succeeded/);
  assert.ok(posts.every((p) => p.replace_original));
  assert.ok(PROGRESS_INTERVAL_MS >= 3_000);
});

test('a failed result post is retried once; a Home-tab sync refreshes the Home tab instead', async () => {
  let attempts = 0;
  const homes: string[] = [];
  const deps = {
    log: silentLogger(),
    postToResponseUrl: async () => {
      attempts++;
      if (attempts === 1) throw new Error('502');
    },
    refreshHome: async (userId: string) => void homes.push(userId),
  };
  await syncReporter(deps, { kind: 'response_url', url: 'http://x', userId: 'U1' }, 'stripe').finished(run);
  assert.equal(attempts, 2);
  await syncReporter(deps, { kind: 'home', userId: 'U9' }, 'stripe').finished(run);
  assert.deepEqual(homes, ['U9']);
});
