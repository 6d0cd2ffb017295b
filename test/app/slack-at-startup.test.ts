/**
 * `npm start` checks Slack (`auth.test`) before serving: unreachable or a refused token stops it within
 * about 10 seconds with one line saying which and what to check; an answering Slack lets it start.
 * Real processes (src/main.ts through tsx) against a closed port and the Slack emulator.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { checkSlack } from '../../src/slack/slack-check.ts';

const MAIN = join(import.meta.dirname, '../../src/main.ts');
const TOKEN = 'xoxb-startup-right';

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs `npm start`'s entry as a real process; `until` may end it early (SIGTERM) once stdout says so. */
function runMain(env: Record<string, string>, until?: RegExp): Promise<Exit> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
    cwd: mkdtempSync(join(tmpdir(), 'finsync-startup-')),
    env: {
      PATH: process.env['PATH'] ?? '',
      SLACK_SIGNING_SECRET: 'signing-secret',
      FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PORT: '0',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (until?.test(stdout)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    }),
  );
}

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Slack at start-up', () => {
  test('an unreachable Slack stops npm start within 10 s with one line naming the URL and what to check', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/`;
    const result = await runMain({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: url });
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0]!,
      /^finsync: Slack cannot be reached at http:\/\/127\.0\.0\.1:\d+\/api\/auth\.test /,
    );
    assert.match(lines[0]!, /check SLACK_API_URL \/ network$/);
    assert.doesNotMatch(result.stdout, /fetch failed/);
    assert.ok(result.elapsedMs < 10_000, `stopped after ${result.elapsedMs} ms`);
  });

  test('a token Slack refuses stops npm start with one line naming Slack’s error and SLACK_BOT_TOKEN', async () => {
    const slack = await startSlackEmulator({ botToken: TOKEN });
    try {
      const result = await runMain({ SLACK_BOT_TOKEN: 'xoxb-startup-revoked', SLACK_API_URL: slack.url });
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0]!,
        /^finsync: Slack refused the bot token \(invalid_auth\).*: check SLACK_BOT_TOKEN$/,
      );
      assert.ok(result.elapsedMs < 10_000, `stopped after ${result.elapsedMs} ms`);
      assert.equal(slack.callsTo('auth.test').length, 1, 'a refusal is not retried');
    } finally {
      await slack.close();
    }
  });

  test('a Slack that answers lets npm start serve', async () => {
    const slack = await startSlackEmulator({ botToken: TOKEN });
    try {
      const result = await runMain(
        { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url },
        /finsync is listening/,
      );
      assert.match(result.stdout, /finsync is listening/);
      assert.equal(result.stderr, '');
    } finally {
      await slack.close();
    }
  });

  test('a Slack that accepts the connection but never answers is given up on at the deadline', async () => {
    const server: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await checkSlack({
        token: TOKEN,
        apiUrl: `http://127.0.0.1:${port}/api/`,
        deadlineMs: 600,
      }).then(
        () => assert.fail('expected the check to fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConfigError);
      assert.equal(error.setting, 'SLACK_API_URL');
      assert.match(error.message, /^Slack cannot be reached at .*: check SLACK_API_URL \/ network$/);
      assert.ok(Date.now() - started < 2_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
