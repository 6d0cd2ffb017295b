import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EMULATOR_NO_BALANCE_KEY,
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';

type Obj = Record<string, unknown> & { id: string; created: number };
interface ListBody {
  object: string;
  data: Obj[];
  has_more: boolean;
  url: string;
}

let emu: StripeEmulator;

async function get(path: string, key: string | null = EMULATOR_SECRET_KEY) {
  const res = await fetch(`${emu.url}${path}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function list(path: string): Promise<ListBody> {
  const { status, body } = await get(path);
  assert.equal(status, 200, JSON.stringify(body));
  return body as unknown as ListBody;
}

async function listAll(resource: string, query = ''): Promise<Obj[]> {
  const all: Obj[] = [];
  let after = '';
  for (;;) {
    const page = await list(`/v1/${resource}?limit=100${query}${after}`);
    all.push(...page.data);
    if (!page.has_more) return all;
    after = `&starting_after=${page.data.at(-1)!.id}`;
  }
}

const newestFirst = (a: Obj, b: Obj) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

before(async () => {
  emu = await startStripeEmulator({ count: 600, seed: 7 });
});
after(() => emu.close());

describe('stripe emulator wire format', () => {
  test('lists use Stripe’s envelope with 10 objects by default', async () => {
    const page = await list('/v1/balance_transactions');
    assert.equal(page.object, 'list');
    assert.equal(page.url, '/v1/balance_transactions');
    assert.equal(page.data.length, 10);
    assert.equal(page.has_more, true);
    for (const bt of page.data) assert.equal(bt.object, 'balance_transaction');
  });

  test('paging with starting_after returns every object once, newest first by created then id', async () => {
    for (const resource of ['balance_transactions', 'charges', 'refunds', 'payouts', 'customers'] as const) {
      const all = await listAll(resource);
      assert.equal(all.length, emu.control.counts()[resource], resource);
      assert.equal(new Set(all.map((o) => o.id)).size, all.length, `${resource} has duplicates`);
      assert.deepEqual(
        all.map((o) => o.id),
        [...all].sort(newestFirst).map((o) => o.id),
      );
    }
    const bts = await listAll('balance_transactions');
    assert.ok(
      bts.some((o, i) => i > 0 && bts[i - 1]!.created === o.created),
      'data has same-second ties',
    );
  });

  test('ending_before pages back towards newer objects', async () => {
    const first = await list('/v1/charges?limit=5');
    const second = await list(`/v1/charges?limit=5&starting_after=${first.data.at(-1)!.id}`);
    const back = await list(`/v1/charges?limit=5&ending_before=${second.data[0]!.id}`);
    assert.deepEqual(
      back.data.map((o) => o.id),
      first.data.map((o) => o.id),
    );
    assert.equal(back.has_more, false);
  });

  test('created[gte|gt|lte|lt] and created=N filter inclusively and exclusively', async () => {
    const all = await listAll('balance_transactions');
    const mid = all[300]!.created;
    const high = all[100]!.created;
    const cases: [string, (c: number) => boolean][] = [
      [`&created[gte]=${mid}&created[lte]=${high}`, (c) => c >= mid && c <= high],
      [`&created[gt]=${mid}&created[lt]=${high}`, (c) => c > mid && c < high],
      [`&created=${mid}`, (c) => c === mid],
    ];
    for (const [query, keep] of cases) {
      const got = await listAll('balance_transactions', query);
      assert.deepEqual(
        got.map((o) => o.id),
        all.filter((o) => keep(o.created)).map((o) => o.id),
        query,
      );
    }
  });

  test('bad parameters answer 400 with Stripe’s error envelope', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'created[gte]=x',
      'colour=red',
      'starting_after=txn_nope',
    ]) {
      const { status, body } = await get(`/v1/balance_transactions?${query}`);
      assert.equal(status, 400, query);
      const error = body.error as Record<string, string>;
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(typeof error.message, 'string');
    }
    const missing = await get('/v1/balance_transactions?starting_after=txn_nope');
    assert.equal((missing.body.error as Record<string, string>).code, 'resource_missing');
    assert.equal((missing.body.error as Record<string, string>).param, 'starting_after');
    const notFound = await get('/v1/charges/ch_nope');
    assert.equal(notFound.status, 404);
    assert.equal((await get('/v1/widgets')).status, 404);
  });

  test('objects link up: charges, refunds and payouts with their balance transactions', async () => {
    const charge = (await list('/v1/charges?limit=1')).data[0]!;
    const bt = (await get(`/v1/balance_transactions/${charge.balance_transaction}`)).body;
    assert.equal(bt.source, charge.id);
    assert.equal(bt.amount, charge.amount);
    assert.equal(bt.net, (bt.amount as number) - (bt.fee as number));
    assert.deepEqual(
      (bt.fee_details as { amount: number }[]).map((f) => f.amount),
      [bt.fee],
    );
    assert.deepEqual((await get(`/v1/charges/${charge.id}`)).body, charge);

    const refund = (await list('/v1/refunds?limit=1')).data[0]!;
    const refunded = (await get(`/v1/charges/${refund.charge}`)).body;
    assert.equal(refunded.amount_refunded, refund.amount);
    const refundBt = (await get(`/v1/balance_transactions/${refund.balance_transaction}`)).body;
    assert.equal(refundBt.amount, -(refund.amount as number));

    const payout = (await list('/v1/payouts?limit=1')).data[0]!;
    const payoutBt = (await get(`/v1/balance_transactions/${payout.balance_transaction}`)).body;
    assert.equal(payoutBt.amount, -(payout.amount as number));
    assert.equal(payoutBt.type, 'payout');
  });

  test('data covers several currencies, fee and adjustment types, and three-decimal amounts end in 0', async () => {
    const all = await listAll('balance_transactions');
    const currencies = new Set(all.map((o) => o.currency));
    for (const c of ['usd', 'eur', 'jpy', 'kwd']) assert.ok(currencies.has(c), c);
    const types = new Set(all.map((o) => o.type));
    for (const t of ['charge', 'refund', 'payout', 'stripe_fee', 'adjustment', 'transfer'])
      assert.ok(types.has(t), t);
    for (const o of all.filter((x) => x.currency === 'kwd')) {
      assert.equal(Math.abs(o.amount as number) % 10, 0);
      assert.equal((o.fee as number) % 10, 0);
    }
  });

  test('the same seed gives the same data; another seed differs', async () => {
    const twin = await startStripeEmulator({ count: 600, seed: 7 });
    const other = await startStripeEmulator({ count: 600, seed: 8 });
    try {
      const fetchFrom = async (e: StripeEmulator) =>
        (await fetch(`${e.url}/v1/balance_transactions?limit=20`, {
          headers: { Authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
        }).then((r) => r.json())) as ListBody;
      const mine = await fetchFrom(emu);
      assert.deepEqual((await fetchFrom(twin)).data, mine.data);
      assert.notDeepEqual((await fetchFrom(other)).data, mine.data);
    } finally {
      await twin.close();
      await other.close();
    }
  });

  test('keys: missing or unknown → 401, restricted without balance read → 403 on balance only', async () => {
    const none = await get('/v1/balance', null);
    assert.equal(none.status, 401);
    const wrongKey = 'sk_test_51ThisKeyDoesNotExistAtAll9876';
    const wrong = await get('/v1/balance', wrongKey);
    assert.equal(wrong.status, 401);
    const message = (wrong.body.error as Record<string, string>).message!;
    assert.match(message, /Invalid API Key provided/);
    assert.ok(!message.includes(wrongKey));
    assert.equal((await get('/v1/balance', EMULATOR_NO_BALANCE_KEY)).status, 403);
    assert.equal((await get('/v1/balance_transactions', EMULATOR_NO_BALANCE_KEY)).status, 403);
    assert.equal((await get('/v1/charges', EMULATOR_NO_BALANCE_KEY)).status, 200);
  });

  test("an unknown key of any shape gets Stripe's 401 envelope: type and message, the key masked to its last four", async () => {
    for (const key of ['rk_live_51Abc-def.ghi_JKLmnop', 'sk_live_x', `sk_test_${'Zz9_-'.repeat(40)}`]) {
      const answer = await get('/v1/balance', key);
      assert.equal(answer.status, 401);
      assert.deepEqual(Object.keys(answer.body), ['error']);
      const error = answer.body.error as Record<string, string>;
      assert.deepEqual(Object.keys(error).sort(), ['message', 'type']);
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message!, /^Invalid API Key provided: \S*\*+\S*$/);
      assert.ok(!error.message!.includes(key), 'the key is masked');
      if (key.length > 12) assert.ok(error.message!.endsWith(key.slice(-4)));
    }
  });

  test('addObjects appends newer objects at the given second', async () => {
    const before = emu.control.counts();
    const second = emu.control.data.latestCreated + 3600;
    const ids = emu.control.addObjects(5, { created: second });
    assert.equal(ids.length, 5);
    assert.equal(emu.control.counts().balance_transactions, before.balance_transactions + 5);
    const newest = await list('/v1/balance_transactions?limit=5');
    assert.deepEqual(newest.data.map((o) => o.id).sort(), [...ids].sort());
    assert.ok(newest.data.every((o) => o.created === second));
  });

  test('faults: 429 with Retry-After, 500, malformed JSON, reset mid-body, hang; all logged', async () => {
    emu.control.clearLog();
    emu.control.injectFault({ type: 'rate_limit', retryAfterSeconds: 3 });
    const limited = await get('/v1/charges');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal(limited.headers.get('stripe-should-retry'), 'true');
    assert.equal((limited.body.error as Record<string, string>).code, 'rate_limit');

    emu.control.injectFault({ type: 'server_error' });
    assert.equal((await get('/v1/charges')).status, 500);

    emu.control.injectFault({ type: 'malformed_json' });
    const garbled = await fetch(`${emu.url}/v1/charges`, {
      headers: { Authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
    });
    await assert.rejects(garbled.json());

    emu.control.injectFault({ type: 'reset' });
    await assert.rejects(
      fetch(`${emu.url}/v1/charges`, { headers: { Authorization: `Bearer ${EMULATOR_SECRET_KEY}` } }).then(
        (r) => r.text(),
      ),
    );

    emu.control.injectFault({ type: 'hang' });
    await assert.rejects(
      fetch(`${emu.url}/v1/charges`, {
        headers: { Authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
        signal: AbortSignal.timeout(150),
      }),
    );
    assert.deepEqual(
      emu.control.requestLog.map((r) => r.status),
      [429, 500, 200, 'reset', 'hang'],
    );
    assert.equal(emu.control.requestLog[0]!.path, '/v1/charges');
  });
});
