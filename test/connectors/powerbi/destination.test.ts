import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DATASET_NAME } from '../../../connectors/powerbi/schema.ts';
import { AuthError, InvalidRequestError, TransientError, UserInputError } from '../../../src/errors.ts';
import { credentials, ledgerRecord, publishRows, runRow, type World, world } from './helpers.ts';

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(() => w.emu.close());

const rowPosts = () =>
  w.emu.control.requestLog.filter((r) => r.method === 'POST' && r.path.endsWith('/rows'));
const publisher = () => w.destination.publisher(credentials(w.emu), w.ctx);

describe('power bi verify', () => {
  test('acquires a token, reads the workspace and labels the connection with its name', async () => {
    const result = await w.destination.verify(
      credentials(w.emu, { client_secret: ` ${w.emu.control.clientSecret} ` }),
      w.ctx,
    );
    assert.equal(result.accountLabel, 'Finance Analytics');
    assert.equal(result.accountId, w.emu.control.groupId);
    assert.deepEqual(result.credentials, credentials(w.emu));
    assert.deepEqual(
      w.emu.control.requestLog.map((r) => [r.method, r.status]),
      [
        ['POST', 200],
        ['GET', 200],
      ],
    );
  });

  test("a wrong secret is an AuthError with Microsoft's reason and without the secret", async () => {
    const secret = 'Wrong~secret-value-0123456789';
    const error = await w.destination
      .verify(credentials(w.emu, { client_secret: secret }), w.ctx)
      .catch((e: unknown) => e);
    assert.ok(error instanceof AuthError);
    assert.match(error.message, /AADSTS7000215/);
    assert.ok(!error.message.includes(secret));
  });

  test('a workspace the app cannot see is an AuthError that says how to fix it', async () => {
    const other = '3d9b93c6-7b6d-4801-a491-1738910904fd';
    await assert.rejects(
      w.destination.verify(credentials(w.emu, { workspace_id: other }), w.ctx),
      (e: unknown) => e instanceof AuthError && /not a member/.test(e.message),
    );
  });

  test('malformed ids are refused before any request', async () => {
    await assert.rejects(
      w.destination.verify(credentials(w.emu, { workspace_id: 'finance' }), w.ctx),
      UserInputError,
    );
    await assert.rejects(
      w.destination.verify(credentials(w.emu, { tenant_id: 'a/b' }), w.ctx),
      UserInputError,
    );
    assert.equal(w.emu.control.requestLog.length, 0);
  });
});

describe('power bi publisher', () => {
  test('prepare creates the push dataset once; a second publisher finds it', async () => {
    const first = await publisher().prepare();
    const second = await publisher().prepare();
    assert.equal(second.datasetId, first.datasetId);
    assert.equal(first.label, `${DATASET_NAME} in Finance Analytics`);
    assert.deepEqual(w.emu.control.datasets(), [
      { id: first.datasetId, name: 'finsync', tables: ['records', 'runs'] },
    ]);
    const creations = w.emu.control.requestLog.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/datasets'),
    );
    assert.equal(creations.length, 1);
  });

  test('a failed prepare is reported and tried again on the next push', async () => {
    w.emu.control.failNext(5, '500', '/datasets');
    const p = publisher();
    await assert.rejects(p.prepare(), TransientError);
    await p.push('records', publishRows(1, 3), 'after-failure');
    assert.equal(w.emu.control.rows('records').length, 3);
  });

  test('a dataset creation whose answer is lost is not repeated: the second look finds it', async () => {
    w.emu.control.failNext(1, 'lost', `POST /v1.0/myorg/groups/${w.emu.control.groupId}/datasets`);
    const { datasetId } = await publisher().prepare();
    assert.deepEqual(
      w.emu.control.datasets().map((d) => d.id),
      [datasetId],
    );
    const creations = w.emu.control.requestLog.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/datasets'),
    );
    assert.deepEqual(
      creations.map((r) => r.status),
      ['lost'],
    );
  });

  test('25,000 rows go in 3 POSTs of at most 10,000, within the per-minute limit and without waiting', async () => {
    const p = publisher();
    assert.equal(p.maxRowsPerPush, 10_000);
    for (const [from, count] of [
      [1, 10_000],
      [10_001, 10_000],
      [20_001, 5_000],
    ] as const) {
      await p.push('records', publishRows(from, count), `powerbi:${from}-${from + count - 1}`);
    }
    assert.deepEqual(
      rowPosts().map((r) => [r.status, r.rows]),
      [
        [200, 10_000],
        [200, 10_000],
        [200, 5_000],
      ],
    );
    assert.equal(w.emu.control.rows('records').length, 25_000);
    assert.deepEqual(w.clock.sleeps, []);
  });

  test('a 429 in the middle is waited out for its Retry-After and every row lands exactly once', async () => {
    const p = publisher();
    await p.push('records', publishRows(1, 10_000), 'b1');
    w.emu.control.failNext(1, '429');
    await p.push('records', publishRows(10_001, 10_000), 'b2');
    await p.push('records', publishRows(20_001, 5_000), 'b3');
    assert.deepEqual(w.clock.sleeps, [3_000]);
    assert.deepEqual(
      rowPosts().map((r) => r.status),
      [200, 429, 200, 200],
    );
    const ids = w.emu.control.rows('records').map((r) => r.id);
    assert.equal(ids.length, 25_000);
    assert.equal(new Set(ids).size, 25_000);
  });

  test('a POST whose answer is lost is not sent again: the batch is found in the dataset', async () => {
    const p = publisher();
    await p.prepare();
    w.emu.control.failNext(1, 'lost');
    await p.push('records', publishRows(1, 100), 'lost-batch');
    assert.equal(w.emu.control.rows('records').length, 100);
    assert.deepEqual(
      rowPosts().map((r) => r.status),
      ['lost'],
    );
  });

  test('a POST that hangs times out, is found missing, and is sent once more', async () => {
    await w.emu.close();
    w = await world({}, { timeoutMs: 300 });
    const p = publisher();
    await p.prepare();
    w.emu.control.failNext(1, 'hang');
    await p.push('records', publishRows(1, 50), 'hung-batch');
    assert.equal(w.emu.control.rows('records').length, 50);
    assert.deepEqual(
      rowPosts().map((r) => r.status),
      ['hang', 200],
    );
  });

  test('a persistent 500 ends in a typed error after a bounded number of tries', async () => {
    const p = publisher();
    await p.prepare();
    w.emu.control.failNext(100, '500');
    await assert.rejects(p.push('records', publishRows(1, 10), 'b'), TransientError);
    assert.equal(rowPosts().length, 5);
    assert.equal(w.emu.control.rows('records').length, 0);
  });

  test('batchLanded tells a pushed batch from one that never arrived', async () => {
    const p = publisher();
    await p.push('records', publishRows(1, 20), 'powerbi:1-20');
    await p.push('runs', [runRow(20)], 'run-batch');
    assert.equal(await p.batchLanded('records', 'powerbi:1-20'), true);
    assert.equal(await p.batchLanded('records', 'powerbi:21-40'), false);
    assert.equal(await p.batchLanded('runs', 'run-batch'), true);
    assert.equal(await p.batchLanded('runs', 'powerbi:1-20'), false);
  });

  test('strings longer than 4,000 characters are clipped, not refused', async () => {
    const long = 'é'.repeat(3_999) + '😀' + 'tail';
    const record = ledgerRecord(1, { description: long, counterparty: 'c'.repeat(9_000) });
    await publisher().push('records', [{ record, version: 1, deleted: false }], 'b');
    const [row] = w.emu.control.rows('records');
    assert.equal(row?.description, 'é'.repeat(3_999), 'the emoji would be cut in half: it goes whole');
    assert.equal(String(row?.counterparty).length, 4_000);
  });

  test('more rows than maxRowsPerPush, or rows of the wrong kind, are refused before any request', async () => {
    const p = publisher();
    await assert.rejects(p.push('records', publishRows(1, 10_001), 'b'), InvalidRequestError);
    await assert.rejects(p.push('runs', publishRows(1, 1), 'b'), InvalidRequestError);
    assert.equal(rowPosts().length, 0);
  });

  test('a revoked token is renewed once and the push goes through', async () => {
    const p = publisher();
    await p.prepare();
    w.emu.control.revokeTokens();
    await p.push('records', publishRows(1, 5), 'b');
    assert.equal(w.emu.control.rows('records').length, 5);
    assert.deepEqual(
      rowPosts().map((r) => r.status),
      [401, 200],
    );
  });
});
