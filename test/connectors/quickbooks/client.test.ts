import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { QuickBooksClient, type QuickBooksClientOptions } from '../../../connectors/quickbooks/client.ts';
import type { QuickBooksEmulator } from '../../../connectors/quickbooks/emulator.ts';
import { mapQuickBooksError, QuickBooksTokenRejectedError } from '../../../connectors/quickbooks/faults.ts';
import { RealmLimiter } from '../../../connectors/quickbooks/limiter.ts';
import { TokenManager } from '../../../connectors/quickbooks/tokens.ts';
import { AuthError, InvalidRequestError, RateLimitError, TransientError } from '../../../src/errors.ts';
import { context, credentialsFor, emulator, freshLimiter, MemoryStore, settingsFor } from './helpers.ts';

let emu: QuickBooksEmulator;
before(async () => {
  emu = await emulator({ latencyMs: 5 });
});
after(() => emu.close());
beforeEach(() => {
  emu.control.clearFaults();
  emu.control.clearLog();
});

function client(options: QuickBooksClientOptions = {}, realmId = emu.control.realmIds[0]!) {
  const ctx = context(settingsFor(emu));
  const tokens = new TokenManager({
    credentials: credentialsFor(emu, realmId),
    session: new MemoryStore({}),
  });
  return { ctx, api: new QuickBooksClient(tokens, ctx, { limiter: freshLimiter(), ...options }) };
}

const statuses = () => emu.control.requestLog.filter((r) => r.kind === 'api').map((r) => r.status);
const page = { entity: 'Invoice' as const, start: 1, max: 10 };

describe('QuickBooks client', () => {
  test('a 429 pauses the company for 60 s (injected sleep), then the request goes through', async () => {
    const { api, ctx } = client();
    emu.control.failNext(2, '429');
    const result = await api.query(page);
    assert.equal(result.objects.length, 10);
    assert.deepEqual(ctx.sleeps, [60_000, 60_000]);
    assert.deepEqual(statuses(), [429, 429, 200]);
  });

  test('a persistent 429 ends, after bounded pauses, in a RateLimitError for the engine', async () => {
    const { api, ctx } = client({ maxThrottleWaits: 2 });
    emu.control.failNext(10, '429');
    await assert.rejects(api.query(page), (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.retryAfterMs, 60_000);
      assert.match(error.message, /ThrottleExceeded/);
      return true;
    });
    assert.deepEqual(ctx.sleeps, [60_000, 60_000]);
    assert.equal(statuses().length, 3);
  });

  test('concurrent requests hit by one 429 wave share one pause', async () => {
    let endPause = () => {};
    const pause = new Promise<void>((resolve) => {
      endPause = resolve;
    });
    const ctx = context(settingsFor(emu), () => pause);
    const tokens = new TokenManager({ credentials: credentialsFor(emu), session: new MemoryStore({}) });
    const api = new QuickBooksClient(tokens, ctx, { limiter: freshLimiter() });
    emu.control.failNext(3, '429');
    const done = Promise.all([api.query(page), api.query(page), api.query(page)]);
    // All three meet their 429 while the first pause is still running.
    while (statuses().filter((s) => s === 429).length < 3) await new Promise((r) => setTimeout(r, 5));
    await new Promise((resolve) => setTimeout(resolve, 30));
    endPause();
    await done;
    assert.deepEqual(ctx.sleeps, [60_000]);
    assert.deepEqual(statuses(), [429, 429, 429, 200, 200, 200]);
  });

  test("a Fault becomes a typed error carrying Intuit's message", async () => {
    const { api } = client();
    await assert.rejects(api.query({ ...page, where: "Nonsense = 'x'" }), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /^QuickBooks query Invoice: Error parsing query: QueryParserError: /);
      assert.match(error.message, /ValidationFault, code 4000/);
      return true;
    });
    assert.deepEqual(statuses(), [400]);
  });

  test('500s are retried with backoff; a hang times out and is retried', async () => {
    const { api, ctx } = client({ timeoutMs: 100 });
    emu.control.failNext(1, '500');
    emu.control.failNext(1, 'hang');
    const result = await api.query(page);
    assert.equal(result.objects.length, 10);
    assert.deepEqual(statuses(), [500, 'hang', 200]);
    assert.equal(ctx.sleeps.length, 2);
  });

  test('a token for another company is an AuthError (AuthorizationFault 403)', async () => {
    const ctx = context(settingsFor(emu));
    const wrong = { ...credentialsFor(emu, emu.control.realmIds[0]), realm_id: emu.control.realmIds[1]! };
    const tokens = new TokenManager({ credentials: wrong, session: new MemoryStore({}) });
    const api = new QuickBooksClient(tokens, ctx, { limiter: freshLimiter() });
    await assert.rejects(api.companyInfo(), (error: unknown) => {
      return error instanceof AuthError && /ApplicationAuthorizationFailed/.test(error.message);
    });
  });

  test('never more than 10 requests in flight for a company', async () => {
    // Its own emulator: a request abandoned by another test (a hang) would still count as in flight here.
    const own = await emulator();
    try {
      const ctx = context(settingsFor(own));
      const tokens = new TokenManager({ credentials: credentialsFor(own), session: new MemoryStore({}) });
      const api = new QuickBooksClient(tokens, ctx, { limiter: freshLimiter() });
      const release = own.control.holdAnswers();
      const pending = Promise.all(Array.from({ length: 25 }, () => api.query(page)));
      // With every answer held, exactly 10 requests reach QuickBooks and the rest wait their turn.
      while (own.control.requestLog.length < 10) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(own.control.requestLog.length, 10);
      release();
      assert.equal((await pending).length, 25);
      assert.equal(own.control.peakConcurrency(), 10);
      assert.equal(own.control.requestLog.filter((r) => r.status === 200).length, 25);
    } finally {
      await own.close();
    }
  });

  test('requests are paced to the per-minute limit instead of meeting 429s', async () => {
    let now = Date.UTC(2025, 0, 1);
    const paced = await emulator({ maxPerMinute: 5, now: () => now });
    try {
      const ctx = context(settingsFor(paced), async (ms) => {
        now += ms;
      });
      const tokens = new TokenManager({
        credentials: credentialsFor(paced),
        session: new MemoryStore({}),
        now: () => now,
      });
      const limiter = new RealmLimiter({ maxPerMinute: 5, now: () => now });
      const api = new QuickBooksClient(tokens, ctx, { limiter });
      for (let i = 0; i < 12; i++) await api.homeCurrency();
      assert.ok(paced.control.requestLog.every((r) => r.status === 200));
      assert.deepEqual(ctx.sleeps, [60_000, 60_000]);
    } finally {
      await paced.close();
    }
  });
});

describe('QuickBooks fault mapping', () => {
  const axios = (status: number, data: unknown) => ({
    isAxiosError: true,
    response: { status, data, headers: {} },
  });

  test('the lower-case 401 envelope Intuit also sends is read as a rejected token', () => {
    const error = mapQuickBooksError(
      axios(401, {
        fault: {
          error: [
            {
              message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
              detail: 'Token expired: 0000',
              code: '3200',
            },
          ],
          type: 'AUTHENTICATION',
        },
        time: 1589466183183,
      }),
      'query Invoice',
    );
    assert.ok(error instanceof QuickBooksTokenRejectedError);
    assert.match(error.message, /AuthenticationFailed.*: Token expired: 0000 \(AUTHENTICATION, code 3200\)$/);
  });

  test('a Fault inside a 200 answer is mapped by its type; network failures are transient', () => {
    const validation = mapQuickBooksError(
      { Fault: { Error: [{ Message: 'Unsupported operation requested', code: '500' }], type: 'Validation' } },
      'batch',
    );
    assert.ok(validation instanceof InvalidRequestError);
    assert.equal(
      validation.message,
      'QuickBooks batch: Unsupported operation requested (Validation, code 500)',
    );
    assert.ok(
      mapQuickBooksError({ isAxiosError: true, code: 'ECONNRESET' }, 'cdc') instanceof TransientError,
    );
    assert.ok(mapQuickBooksError(axios(503, '<html>'), 'cdc') instanceof TransientError);
  });
});
