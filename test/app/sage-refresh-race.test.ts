/**
 * Two real OS processes refresh the same Sage grant at the same moment (a CLI sync and a CLI `cash`, both
 * starting with an expired access token; `cash` asks balances outside any run lease). A proxy in front of the
 * emulator's token endpoint holds the refresh requests until both arrived, so both present the same single-use
 * refresh token: Sage (the emulator, strict) rotates it for one and answers the other `invalid_grant`. The
 * loser must find the winner's stored rotation and use it: both processes succeed, one refresh token consumed,
 * the connection stays active, no needs-reconnect and no alert.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN, connectSage, type Harness, startHarness } from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

let h: Harness;

interface Barrier {
  readonly url: string;
  /** The refresh tokens presented, in arrival order. */
  readonly presented: string[];
  close(): Promise<void>;
}

/** Holds token requests until `size` arrived (or 15 s passed), then forwards them all to `target` at once. */
async function tokenBarrier(target: string, size: number): Promise<Barrier> {
  const presented: string[] = [];
  let waiting: (() => void)[] = [];
  const release = () => {
    const all = waiting;
    waiting = [];
    for (const go of all) go();
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      presented.push(new URLSearchParams(body).get('refresh_token') ?? '');
      const forward = async () => {
        const answer = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body,
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
        res.end(await answer.text());
      };
      waiting.push(() => void forward());
      if (waiting.length >= size) release();
      else setTimeout(release, 15_000).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    presented,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const storedRefresh = async () =>
  h.app.finsync.credentialsOf((await h.app.store.getConnection('sage'))!)['refresh_token'];

describe('a Sage token refresh racing another process', () => {
  before(async () => {
    h = await startHarness();
    await connectSage(h, 'sage', 'user-single');
  });
  after(async () => {
    await h.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  for (const [label, first, second] of [
    ['a CLI sync and a CLI cash', ['sync', 'sage'], ['cash', '--json']],
    ['two CLI cash answers', ['cash', '--json'], ['cash', '--json']],
  ] as const) {
    test(`${label} refresh at once: both succeed on one rotation, the connection stays active, no alert`, {
      timeout: 90_000,
    }, async () => {
      const before = await storedRefresh();
      // The stored access token still looks fresh: each process refreshes when Sage answers its first call 401.
      h.sage.control.expireAccessTokens();
      const grantsBefore = h.sage.control.tokenGrants.refresh_token;
      const replaysBefore = h.sage.control.replayedRefreshes;
      const barrier = await tokenBarrier(`${h.sage.url}/token`, 2);
      try {
        const env = { ...h.env, LOG_LEVEL: 'info', SAGE_TOKEN_URL: barrier.url };
        const [a, b] = await Promise.all([runCli([...first], env), runCli([...second], env)]);
        for (const [cli, args] of [
          [a, first],
          [b, second],
        ] as const) {
          assert.equal(cli.code, 0, `${args.join(' ')}: ${cli.stderr}${cli.stdout}`);
          if (args[0] === 'cash') {
            const data = JSON.parse(cli.stdout) as {
              systems: { connection: string; balances: unknown }[];
            };
            const sage = data.systems.find((s) => s.connection === 'sage');
            assert.ok(Array.isArray(sage?.balances) && sage.balances.length === 3, JSON.stringify(sage));
          }
        }
        assert.deepEqual(
          barrier.presented,
          [before, before],
          'both presented the same refresh token at once',
        );
      } finally {
        await barrier.close();
      }
      assert.equal(h.sage.control.tokenGrants.refresh_token - grantsBefore, 1, 'one rotation');
      assert.equal(h.sage.control.replayedRefreshes - replaysBefore, 1, "the loser's one refused attempt");
      const after = await storedRefresh();
      assert.notEqual(after, before);
      assert.equal(after, h.sage.control.latestRefreshToken('user-single'), 'the live token is stored');
      const connection = (await h.app.store.getConnection('sage'))!;
      assert.deepEqual([connection.state, connection.stateReason ?? null], ['active', null]);
      assert.equal(await h.app.store.incidents.open('sage'), undefined, 'no alert');
      const runs = await h.app.store.listRuns('sage', 10);
      assert.ok(
        runs.every((r) => r.status === 'success'),
        JSON.stringify(runs.map((r) => r.status)),
      );

      // The stored rotation is the live one: this process refreshes with it.
      h.sage.control.expireAccessTokens();
      const run = await h.app.finsync.runJob({
        connection: 'sage',
        trigger: 'manual',
        triggeredBy: ADMIN,
        notify: { kind: 'none' },
      });
      assert.equal(run.status, 'success', run.errorMessage ?? '');
      assert.equal(h.sage.control.replayedRefreshes - replaysBefore, 1);
    });
  }
});
