/**
 * A pass-through in front of the Plaid emulator that can also serve webhook verification keys of its own, so
 * a test can rotate keys (a new kid appears, the old one gets `expired_at`) and count key fetches by kid.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWKPublicKey } from 'plaid';

export interface PlaidKeyProxy {
  readonly url: string;
  /** Where everything else goes (the emulator), set once it is up. */
  upstream: string;
  /** Keys served here instead of by the emulator, by kid. */
  readonly keys: Map<string, JWKPublicKey>;
  /** Every `/webhook_verification_key/get`, by the kid asked for. */
  readonly fetches: string[];
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startPlaidKeyProxy(): Promise<PlaidKeyProxy> {
  const keys = new Map<string, JWKPublicKey>();
  const fetches: string[] = [];
  const proxy = { upstream: '' };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      if (path === '/webhook_verification_key/get') {
        const kid = String((JSON.parse(body.toString('utf8')) as { key_id?: unknown }).key_id);
        fetches.push(kid);
        const key = keys.get(kid);
        if (key) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ key, request_id: 'proxy' }));
          return;
        }
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const name of ['plaid-client-id', 'plaid-secret', 'plaid-version']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(`${proxy.upstream}${path}`, { method: req.method ?? 'POST', headers, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    keys,
    fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
