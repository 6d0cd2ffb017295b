import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSandboxPublicToken } from '../../connectors/plaid/connector.ts';
import { stripeAmountToMinor } from '../../connectors/stripe/currency-scale.ts';
import { decimalToMinor, formatMoney } from '../../src/money.ts';
import { sendBlockAction, sendEvent, sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { openStore } from '../../src/store/open-store.ts';
import { ADMIN, connectStripe, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

const ZONE = 'America/New_York';
const VIEWERS = 'SCASHVIEWS';
const VIEWER = 'UCASHVIEW1';
const CHANNEL = 'CCASHFIN1';

let h: Harness;
let n = 0;

interface Reply {
  readonly ephemeral: boolean;
  readonly text: string;
  readonly body: string;
  readonly raw: { text?: string; blocks?: unknown[] };
}

async function command(text: string, userId = ADMIN): Promise<Reply> {
  const id = `cash${++n}`;
  await sendSlashCommand(h.target, {
    text,
    userId,
    channelId: CHANNEL,
    responseUrl: h.slack.responseUrl(id),
  });
  const reply = await h.slack.waitForResponse((r) => r.id === id, 10_000);
  const raw = reply.body as { response_type?: string; text?: string; blocks?: unknown[] };
  return {
    ephemeral: raw.response_type === 'ephemeral',
    text: raw.text ?? '',
    body: JSON.stringify(raw),
    raw,
  };
}

/** The local date of an instant in ZONE, by Intl (not by the app's day logic). */
const localDate = (iso: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));

/** In, out and net per currency of the stored money movements whose local date is in [from, to]. */
async function expectedTotals(from: string, to: string) {
  const sums = new Map<string, { in: bigint; out: bigint; count: number }>();
  for await (const record of h.app.store.iterateRecords({ connection: 'stripe' })) {
    if (!record.moneyMovement || record.currency === null) continue;
    const date = localDate(record.occurredAt);
    if (date < from || date > to) continue;
    const sum = sums.get(record.currency) ?? { in: 0n, out: 0n, count: 0 };
    const amount = BigInt(record.amount);
    if (amount > 0n) sum.in += amount;
    else sum.out -= amount;
    sum.count++;
    sums.set(record.currency, sum);
  }
  return sums;
}

/** Every currency's figures, as the reply must show them. */
function assertFigures(body: string, sums: Awaited<ReturnType<typeof expectedTotals>>): void {
  assert.ok(sums.size > 0, 'the period holds money movements');
  for (const [currency, sum] of sums) {
    const net = sum.in - sum.out;
    const line = `${currency}: in ${formatMoney(sum.in, currency)} · out ${formatMoney(sum.out, currency)} · net *${net > 0n ? '+' : ''}${formatMoney(net, currency)}* (${sum.count.toLocaleString('en-US')} movement`;
    assert.ok(body.includes(line), `missing ${line}`);
  }
}

describe('/finsync cash: money per system and currency, and balances', () => {
  let dates: string[] = [];

  before(async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    h = await startHarness({
      env: { FINSYNC_TIMEZONE: ZONE, FINSYNC_MONEY_VIEWERS_GROUP: VIEWERS },
      // Three days of Stripe activity up to now, every 20 minutes.
      emulators: { stripe: { count: 216, startTime: nowSeconds - 216 * 1200, spacingSeconds: 1200 } },
    });
    h.slack.setUserGroup(VIEWERS, [VIEWER]);
    h.slack.setChannel(CHANNEL, { name: 'finance', isMember: true });
    await connectStripe(h);
    await h.app.finsync.syncNow({
      target: 'stripe',
      trigger: 'manual',
      actor: ADMIN,
      notify: { kind: 'none' },
    });
    // The job goes through the scheduler: wait for its run to succeed, not only for what has started.
    const deadline = Date.now() + 30_000;
    while ((await h.app.store.listRuns('stripe', 1))[0]?.status !== 'success') {
      assert.ok(Date.now() < deadline, 'the Stripe sync succeeds');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await h.app.core.jobs.drain();
    const all = new Set<string>();
    for await (const r of h.app.store.iterateRecords({ connection: 'stripe' }))
      if (r.moneyMovement) all.add(localDate(r.occurredAt));
    dates = [...all].sort();
  });
  after(async () => {
    await h?.close();
  });

  test('today so far, by default: exact in, out and net per currency, ephemeral, with a Share button', async () => {
    const today = localDate(new Date().toISOString());
    const reply = await command('cash', VIEWER);
    assert.ok(reply.ephemeral);
    assert.deepEqual(checkBlockKit(reply.raw as never, 'message'), []);
    assert.match(reply.text, /^Cash, today so far, \d{4}-\d{2}-\d{2} \(America\/New_York\): 1 system/);
    assert.match(reply.body, /\*stripe\* \(Stripe\)/);
    assert.match(reply.body, /"action_id":"cash_share"/);
    if (dates.includes(today)) assertFigures(reply.body, await expectedTotals(today, today));
  });

  test('a range of dates counts every day of it, exactly, and matches the ledger', async () => {
    const [from, to] = [dates[0]!, dates.at(-1)!];
    assert.ok(from < to, 'the data spans several local days');
    const reply = await command(`cash ${from}..${to}`);
    assertFigures(reply.body, await expectedTotals(from, to));
    const one = await command(`cash ${dates[1]}`);
    assertFigures(one.body, await expectedTotals(dates[1]!, dates[1]!));
  });

  test("Stripe's balance, available and pending per currency, live from its balance endpoint", async () => {
    const reply = await command('cash yesterday');
    for (const [code, amount] of h.stripe.control.data.balanceTotals()) {
      const currency = code.toUpperCase();
      const expected = `available ${formatMoney(stripeAmountToMinor(amount, currency), currency)}`;
      assert.ok(reply.body.includes(expected), `missing ${expected}`);
    }
    assert.match(reply.body, /Stripe balance: .*pending .*\(as of <!date\^\d+\^/);
  });

  test('a provider that cannot answer shows "balance unavailable", the figures still come', async () => {
    h.stripe.control.injectFault({ type: 'expired_key' }, 5, '/v1/balance');
    const reply = await command('cash week');
    h.stripe.control.clearFaults();
    assert.match(reply.body, /balance unavailable: /);
    assert.match(reply.body, /USD: in /);
  });

  test('only money viewers see figures; others get an ephemeral refusal, audited', async () => {
    const reply = await command('cash', MEMBER);
    assert.ok(reply.ephemeral);
    assert.match(reply.body, /only finsync admins and members of the user group SCASHVIEWS/);
    assert.doesNotMatch(reply.body, /USD: in/);
    const audit = await h.app.store.listAudit(5);
    assert.ok(audit.some((e) => e.actor === MEMBER && e.action === 'cash' && e.outcome === 'refused'));
  });

  test('a bad period answers with the usage of cash', async () => {
    for (const text of [
      'cash 2026-02-30',
      'cash 2026-03-02..2026-03-01',
      'cash fortnight',
      'cash 2020-01-01..2026-01-01',
    ]) {
      // Answered on the ack itself (no I/O needed).
      const ack = await sendSlashCommand(h.target, { text, userId: ADMIN, channelId: CHANNEL });
      const body = JSON.stringify(ack.body);
      assert.match(body, /"response_type":"ephemeral"/);
      assert.match(body, /cash \[today\|yesterday\|week\|month\|YYYY-MM-DD\[\.\.YYYY-MM-DD\]\]/, text);
    }
  });

  test('Share in Channel posts the same period to the channel for everyone', async () => {
    const [from, to] = [dates[0]!, dates.at(-1)!];
    const shared = await sendBlockAction(h.target, {
      actionId: 'cash_share',
      value: JSON.stringify({ kind: 'dates', from, to }),
      userId: VIEWER,
      channelId: CHANNEL,
      responseUrl: h.slack.responseUrl('cashshare1'),
    });
    assert.equal(shared.status, 200);
    const post = await h.slack.waitForCall('chat.postMessage', (c) => c.args['channel'] === CHANNEL);
    assert.match(String(post.args['text']), /^Cash, .* \(shared by <@UCASHVIEW1>\)$/);
    const blocks = JSON.stringify(post.args['blocks']);
    assertFigures(blocks, await expectedTotals(from, to));
    assert.doesNotMatch(blocks, /cash_share/, 'no Share button on the shared copy');
  });

  test("a bank's live balances per account, from Plaid's balance endpoint, beside its own movements", async () => {
    const publicToken = await createSandboxPublicToken(h.app.config.providers.plaid);
    await h.app.finsync.connect({
      provider: 'plaid',
      name: 'bank',
      input: { public_token: publicToken },
      actor: ADMIN,
    });
    const connection = await h.app.finsync.getConnection('bank');
    const accessToken = h.app.finsync.credentialsOf(connection)['access_token'];
    // What the bank says, asked over the wire independently of finsync.
    const wire = (await (
      await fetch(`${h.app.config.providers.plaid.baseUrl}/accounts/balance/get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: h.plaid.clientId,
          secret: h.plaid.secret,
          access_token: accessToken,
        }),
      })
    ).json()) as {
      accounts: {
        name: string;
        mask: string;
        type: string;
        balances: { available: number | null; current: number | null; iso_currency_code: string };
      }[];
    };
    assert.ok(wire.accounts.length > 0);
    const reply = await command('cash');
    assert.match(reply.body, /\*bank\* \(Plaid\)/);
    for (const a of wire.accounts) {
      const c = a.balances.iso_currency_code;
      const parts = [
        ...(a.balances.available === null
          ? []
          : [`available ${formatMoney(decimalToMinor(a.balances.available, c), c)}`]),
        ...(a.balances.current === null
          ? []
          : [
              `${['credit', 'loan'].includes(a.type) ? 'owed' : 'current'} ${formatMoney(decimalToMinor(a.balances.current, c), c)}`,
            ]),
      ];
      const line = `${a.name} ••${a.mask}: ${parts.join(' · ')} (as of <!date^`;
      assert.ok(reply.body.includes(line), `missing ${line}`);
    }
    assert.ok(h.plaid.control.requestLog.some((r) => JSON.stringify(r).includes('/accounts/balance/get')));
  });

  test("the Home tab shows money viewers today's net per system, and others no figures", async () => {
    const today = localDate(new Date().toISOString());
    const home = async (user: string) => {
      const since = Date.now();
      await sendEvent(h.target, { type: 'app_home_opened', user, channel: `D${user}`, tab: 'home' });
      const call = await h.slack.waitForCall(
        'views.publish',
        (c) => c.args['user_id'] === user && c.at >= since,
      );
      assert.deepEqual(checkBlockKit(call.args['view'] as never, 'home'), []);
      return JSON.stringify(call.args['view']);
    };
    const viewer = await home(VIEWER);
    assert.match(viewer, /Cash today so far:/);
    if (dates.includes(today)) {
      const nets = [...(await expectedTotals(today, today))]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([currency, sum]) => {
          const net = sum.in - sum.out;
          return `${net > 0n ? '+' : ''}${formatMoney(net, currency)}`;
        });
      assert.ok(viewer.includes(`*stripe* net ${nets.join(', ')}`), `stripe's nets ${nets.join(', ')}`);
    }
    const member = await home(MEMBER);
    assert.doesNotMatch(member, /Cash today/);
  });

  test("the Home tab's figures follow a record another process stores (kept only while the ledger is unchanged)", async () => {
    const home = async () => {
      const since = Date.now();
      await sendEvent(h.target, {
        type: 'app_home_opened',
        user: VIEWER,
        channel: `D${VIEWER}`,
        tab: 'home',
      });
      const call = await h.slack.waitForCall(
        'views.publish',
        (c) => c.args['user_id'] === VIEWER && c.at >= since,
      );
      return JSON.stringify(call.args['view']);
    };
    const netsToday = async () => {
      const today = localDate(new Date().toISOString());
      return [...(await expectedTotals(today, today))]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(
          ([currency, sum]) =>
            `${sum.in - sum.out > 0n ? '+' : ''}${formatMoney(sum.in - sum.out, currency)}`,
        )
        .join(', ');
    };
    await home();
    // A second handle on the same folder, as the CLI or another worker would write it.
    const other = await openStore({ dataDir: h.dataDir, mongodbUri: undefined });
    try {
      await other.applyPage({
        connection: 'stripe',
        stream: 'balance_transactions',
        records: [
          {
            id: 'stripe:balance_transactions:txn_from_elsewhere',
            connection: 'stripe',
            provider: 'stripe',
            stream: 'balance_transactions',
            kind: 'charge',
            amount: 123_456,
            currency: 'USD',
            occurredAt: new Date().toISOString(),
            description: 'Stored by another process',
            counterparty: null,
            status: 'available',
            moneyMovement: true,
            raw: { type: 'balance_transaction', id: 'txn_from_elsewhere' },
          },
        ],
        removedIds: [],
        cursor: undefined,
      });
    } finally {
      await other.close();
    }
    const after = await home();
    assert.ok(
      after.includes(`*stripe* net ${await netsToday()}`),
      `the new record counts: ${await netsToday()}`,
    );
  });
});
