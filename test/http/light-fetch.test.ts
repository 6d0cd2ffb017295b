/** The fetch Bolt and the WebClient use for Slack behaves as fetch does for everything Slack needs. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { lightFetch } from '../../src/light-fetch.ts';

let server: Server;
let base: string;
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe('lightFetch', () => {
  test('posts the body with its headers and resolves a standard Response (status, headers, json)', async () => {
    let seen: { method?: string; type?: string; length?: string; body: string } = { body: '' };
    handler = (req, body, res) => {
      seen = {
        method: req.method,
        type: req.headers['content-type'],
        length: req.headers['content-length'],
        body,
      };
      res.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write' });
      res.end('{"ok":true,"n":1}');
    };
    const response = await lightFetch(`${base}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ text: 'héllo' }),
    });
    assert.deepEqual(seen, {
      method: 'POST',
      type: 'application/json; charset=utf-8',
      length: String(Buffer.byteLength('{"text":"héllo"}')),
      body: '{"text":"héllo"}',
    });
    assert.ok(response instanceof Response);
    assert.equal(response.ok, true);
    assert.equal(response.headers.get('x-oauth-scopes'), 'chat:write');
    assert.deepEqual(await response.json(), { ok: true, n: 1 });
  });

  test('any HTTP status resolves (429 with Retry-After, 404), never rejects', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { 'retry-after': '3' });
      res.end('rate limited');
    };
    const limited = await lightFetch(`${base}/x`, { method: 'POST', body: 'a=1' });
    assert.deepEqual([limited.status, limited.ok, limited.headers.get('retry-after')], [429, false, '3']);
    assert.equal(await limited.text(), 'rate limited');
    handler = (_req, _body, res) => {
      res.writeHead(204);
      res.end();
    };
    assert.equal((await lightFetch(`${base}/x`)).status, 204);
  });

  test("a redirect with redirect: 'error' rejects, as the WebClient asks", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    };
    await assert.rejects(lightFetch(`${base}/x`, { method: 'POST', body: '', redirect: 'error' }), TypeError);
  });

  test('a network error rejects with a TypeError; an abort rejects with the signal reason', async () => {
    await assert.rejects(lightFetch('http://127.0.0.1:9/nothing-listens'), TypeError);
    handler = () => {}; // never answers
    const controller = new AbortController();
    const pending = lightFetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('gave up')), 20);
    await assert.rejects(pending, /gave up/);
  });

  test('URLSearchParams and byte bodies are sent as given', async () => {
    const bodies: string[] = [];
    handler = (_req, body, res) => {
      bodies.push(body);
      res.end('ok');
    };
    await lightFetch(`${base}/x`, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) });
    await lightFetch(`${base}/x`, { method: 'POST', body: new TextEncoder().encode('bytes') });
    assert.deepEqual(bodies, ['a=1&b=two', 'bytes']);
  });
});
