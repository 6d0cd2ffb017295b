/**
 * A crash between Stripe's answer and finsync's write, with real OS processes: the first process is killed
 * (SIGKILL) right after Stripe created the link; the request is left `creating`. The same request asked again
 * by a new process sends the same idempotency key, gets Stripe's first answer back and stores that link: one
 * link in Stripe, one request, one message queued.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type StripeEmulator, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { PaymentRequest } from '../../src/store/ports/payment-requests.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
let stripe: StripeEmulator;
let dataDir: string;
const key = randomBytes(32).toString('base64');

before(async () => {
  stripe = await startStripeEmulator({ count: 5 });
  dataDir = mkdtempSync(join(tmpdir(), 'finsync-pay-crash-'));
});
after(async () => {
  await stripe.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function child(
  mode: 'crash' | 'run',
  origin: string,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'payment-request-child.ts'), dataDir, stripe.url, key, mode, origin],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  proc.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, out, err })));
}

test('killed after Stripe answered: the same request, asked again by a new process, finds its one link', async () => {
  const origin = 'command:trig.crash.1';
  const killed = await child('crash', origin);
  assert.equal(killed.signal, 'SIGKILL', killed.err.slice(0, 1000));
  assert.equal(stripe.control.paymentLinkCount(), 1, 'Stripe made the link before the crash');
  let store = await openStore({ dataDir, mongodbUri: undefined });
  const [left] = await store.paymentRequests.list({ limit: 10 });
  await store.close();
  assert.equal(left?.state, 'creating', 'finsync never wrote the link down');
  assert.equal(left?.linkId, null);

  const again = await child('run', origin);
  assert.equal(again.code, 0, again.err.slice(0, 1000));
  const request = JSON.parse(again.out.trim()) as PaymentRequest;
  assert.equal(request.id, left!.id);
  assert.equal(request.state, 'open');
  assert.equal(stripe.control.paymentLinkCount(), 1, 'no second link');
  assert.ok(stripe.control.paymentLink(request.linkId!), 'the link stored is the one Stripe made first');
  assert.ok(
    stripe.control.requestLog.some(
      (r) => r.method === 'POST' && r.path === '/v1/payment_links' && r.status === 200,
    ),
  );

  // Asked a third time (a late retry): nothing new anywhere.
  const third = await child('run', origin);
  assert.equal((JSON.parse(third.out.trim()) as PaymentRequest).linkId, request.linkId);
  assert.equal(stripe.control.paymentLinkCount(), 1);
  store = await openStore({ dataDir, mongodbUri: undefined });
  try {
    assert.equal((await store.paymentRequests.list({ limit: 10 })).length, 1);
    assert.ok(await store.outbox.get(`payment:${request.id}`), 'the request message is queued once');
  } finally {
    await store.close();
  }
});
