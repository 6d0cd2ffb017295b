/**
 * SageClient.pages: the next page is asked for as soon as the current page's text arrives (its `$next` read
 * from the envelope's head), never more than one page ahead of the caller, and the parsed `$next` decides.
 * Against a bare local HTTP server that logs each request and answers what the test scripts, so the order of
 * requests and reads can be pinned exactly (the emulator answers too fast to show it).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nextFromHead, SageClient, type SageListPage } from '../../../connectors/sage/client.ts';
import type { SageAppSettings } from '../../../connectors/sage/settings.ts';
import { context } from './helpers.ts';

interface Scripted {
  readonly status?: number;
  readonly body: string;
}

/** Pages by path; a request for a path not scripted answers 404 with Sage's error array. */
let script = new Map<string, Scripted>();
const log: string[] = [];
let server: http.Server;
let base = '';

before(async () => {
  server = http.createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/v3\.1/, '').split('?')[0]!;
    log.push(`request ${path}`);
    const answer = script.get(path) ?? {
      status: 404,
      body: JSON.stringify([
        { $severity: 'error', $dataCode: 'RecordNotFound', $message: 'no', $source: '' },
      ]),
    };
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3.1`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function envelope(page: number, next: string | null, ids: readonly string[]): string {
  // Sage's documented order: the paging keys, then $items.
  return JSON.stringify({
    $total: 6,
    $page: page,
    $next: next,
    $back: null,
    $items_per_page: 2,
    $items: ids.map((id) => ({ id, total_amount: 1.5 })),
  });
}

function client(): SageClient {
  const settings = { apiBase: base } as SageAppSettings;
  const tokens = { accessToken: async () => 'token', rejected: async () => 'token' };
  return new SageClient(tokens, 'business', context(settings), { retry: { attempts: 1 } });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), `timed out; log: ${log.join(', ')}`);
}

const ids = (page: SageListPage) => page.items.map((item) => item['id']);

describe('SageClient.pages', () => {
  test('asks for the next page when the current page arrives, one page ahead of the caller at most', async () => {
    script = new Map([
      ['/items', { body: envelope(1, '/items/2', ['a', 'b']) }],
      ['/items/2', { body: envelope(2, '/items/3', ['c', 'd']) }],
      ['/items/3', { body: envelope(3, null, ['e', 'f']) }],
    ]);
    log.length = 0;
    const pages = client().pages('/items', { items_per_page: '2' });
    const first = await pages.next();
    assert.deepEqual(ids(first.value as SageListPage), ['a', 'b']);
    // Page 2 was asked for when page 1 arrived; page 3 only once the caller waits for page 2 (not yet).
    await until(() => log.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(log, ['request /items', 'request /items/2']);
    const second = await pages.next();
    assert.deepEqual(ids(second.value as SageListPage), ['c', 'd']);
    await until(() => log.length === 3);
    assert.deepEqual(log, ['request /items', 'request /items/2', 'request /items/3']);
    const third = await pages.next();
    assert.deepEqual(ids(third.value as SageListPage), ['e', 'f']);
    assert.equal((third.value as SageListPage).next, null);
    assert.equal((await pages.next()).done, true);
    assert.equal(log.length, 3, 'each page asked for once');
  });

  test('the parsed $next decides: a head that names another page costs one wasted request, never a wrong page', async () => {
    // Duplicate keys: the head shows the first `$next`, JSON.parse keeps the last.
    const misleading = envelope(1, '/items/2', ['a', 'b']).replace('{', '{"$next":"/decoy",');
    script = new Map([
      ['/items', { body: misleading }],
      ['/decoy', { body: envelope(9, null, ['wrong']) }],
      ['/items/2', { body: envelope(2, null, ['c', 'd']) }],
    ]);
    log.length = 0;
    const read: unknown[] = [];
    for await (const page of client().pages('/items')) read.push(...ids(page));
    assert.deepEqual(read, ['a', 'b', 'c', 'd']);
    assert.deepEqual(
      log.filter((line) => line !== 'request /decoy'),
      ['request /items', 'request /items/2'],
    );
  });

  test('a page asked for early that fails fails the read when the caller reaches it, after the pages before it', async () => {
    script = new Map([['/items', { body: envelope(1, '/items/2', ['a', 'b']) }]]);
    log.length = 0;
    const pages = client().pages('/items');
    const first = await pages.next();
    assert.deepEqual(ids(first.value as SageListPage), ['a', 'b']);
    await until(() => log.length === 2); // /items/2 answered 404 meanwhile: nothing is thrown yet
    await assert.rejects(pages.next(), /404|RecordNotFound|not found/i);
  });

  test('a caller that stops early leaves at most the one page it was about to read asked for', async () => {
    script = new Map([
      ['/items', { body: envelope(1, '/items/2', ['a', 'b']) }],
      ['/items/2', { body: envelope(2, '/items/3', ['c', 'd']) }],
      ['/items/3', { body: envelope(3, null, ['e', 'f']) }],
    ]);
    log.length = 0;
    for await (const page of client().pages('/items')) {
      assert.deepEqual(ids(page), ['a', 'b']);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(log, ['request /items', 'request /items/2']);
  });
});

describe('nextFromHead', () => {
  test('reads $next ahead of $items, decoding the JSON string', () => {
    assert.equal(
      nextFromHead(envelope(1, '/contact_payments?page=2&items_per_page=200', [])),
      '/contact_payments?page=2&items_per_page=200',
    );
    assert.equal(nextFromHead('{"$total":1,"$next":"\\/a\\u003fpage=2","$items":[]}'), '/a?page=2');
    assert.equal(nextFromHead(envelope(1, null, ['a'])), null);
    assert.equal(nextFromHead('{"$next":"","$items":[]}'), null);
  });

  test('is undefined when the head does not show it (the parsed page decides then)', () => {
    assert.equal(nextFromHead('{"$items":[{"$next":"/inside"}],"$next":"/after"}'), undefined);
    assert.equal(nextFromHead('{"$total":0,"$next":"/a"}'), undefined, 'no $items');
    assert.equal(nextFromHead('[{"$severity":"error"}]'), undefined);
    assert.equal(nextFromHead('{"note":"\\"$next\\":\\"/x\\"","$items":[]}'), undefined, 'inside a string');
    assert.equal(nextFromHead('{"$next":"/unterminated,"$items":[]}'), undefined);
  });
});
