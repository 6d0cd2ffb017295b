import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Digest } from '../../src/digest/compute.ts';
import { dayBefore, lastCompleteDay } from '../../src/digest/day.ts';
import { digestMessage } from '../../src/messages/digest.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';
import { cleanUp, connection, digestOf, finishedRun, openStore, record, storeRecords } from './factories.ts';

after(cleanUp);

const NASTY = '<!channel> & <x|y> *bold*';
const HUGE_ERROR = `Failing: ${'<script>&amp; '.repeat(800)}`; // ~10 kB from a provider
const NOW = new Date('2026-03-09T13:00:00Z');
const CURRENCIES = ['AED', 'BHD', 'CHF', 'EUR', 'GBP', 'JPY', 'KWD', 'USD', 'CLF', 'ISK'] as const;

/** Every text in the message's blocks, for per-section limits. */
function sectionTexts(blocks: readonly unknown[]): string[] {
  return blocks.flatMap((b) => {
    const block = b as { type: string; text?: { text: string }; elements?: { text?: string }[] };
    if (block.type === 'section' && block.text) return [block.text.text];
    if (block.type === 'context') return (block.elements ?? []).map((e) => e.text ?? '');
    return [];
  });
}

function bigDigest(): Digest {
  const day = lastCompleteDay(NOW, 'America/New_York');
  const names = Array.from({ length: 200 }, (_, i) => `${NASTY} conn-${i}`);
  return {
    day,
    dayBefore: dayBefore(day),
    generatedAt: NOW,
    verdict: '195 of 200 need attention',
    total: 200,
    needAttention: 195,
    problems: names.slice(0, 165).map((name, i) => ({
      name,
      providerName: `Provider ${NASTY}`,
      health: i % 2 === 0 ? 'failing' : 'needs_reconnect',
      stateText: HUGE_ERROR,
      since: new Date('2026-03-08T07:00:00Z'),
      failedRuns: i + 1,
      owner: `U${NASTY}`,
    })),
    healthy: { count: 3, names: names.slice(195, 198) },
    pending: { count: 2, names: names.slice(198, 200) },
    stale: names.slice(165, 195).map((name) => ({
      name,
      providerName: NASTY,
      lastSuccessAt: new Date('2026-03-07T07:00:00Z'),
      staleSince: new Date('2026-03-08T07:00:00Z'),
      expectation: `on cron "${NASTY}" in America/New_York`,
      owner: NASTY,
    })),
    // Every system in ten currencies, with amounts beyond 2^53.
    money: names.flatMap((connection, c) =>
      CURRENCIES.map((currency, i) => ({
        connection,
        providerName: `Provider ${NASTY}`,
        connected: c % 50 !== 7,
        currency,
        moneyIn: 10n ** 20n + BigInt(i),
        moneyOut: 123n,
        movements: 1_000 + i,
      })),
    ),
    synced: { day: { runs: 4_800, records: 1_234_567 }, dayBefore: { runs: 4_700, records: 1_000_000 } },
    nextRuns: names.map((name, i) => ({
      name,
      providerName: 'Stripe',
      at: new Date(NOW.getTime() + i * 60_000),
    })),
    hasData: true,
  };
}

describe('digest message: within Slack limits, escaped, in words', () => {
  test('200 connections with hostile names and 10 kB errors stay within 50 blocks and 3,000 characters per section', () => {
    for (const late of [false, true]) {
      const message = digestMessage(bigDigest(), {
        late,
        alertLinks: new Map([[`${NASTY} conn-0`, 'https://acme.slack.com/archives/C1/p1']]),
      });
      assert.deepEqual(checkBlockKit(message, 'message'), []);
      assert.ok(message.blocks.length <= 50, `${message.blocks.length} blocks`);
      for (const text of sectionTexts(message.blocks))
        assert.ok(text.length <= 3_000, `${text.length} chars`);
      const all = JSON.stringify(message);
      assert.doesNotMatch(all, /<!channel>|<x\|y>|<script>/, 'provider and user text escaped');
      assert.match(all, /&lt;!channel&gt; &amp; &lt;x\|y&gt;/);
      assert.match(
        message.text,
        /^(Sent late: )?finsync digest for Sunday, March 8, 2026: 195 of 200 need attention/,
      );
      assert.match(all, /more need attention: see `\/finsync status`/, 'what did not fit is said');
      assert.match(all, /1,000,000,000,000,000,000\.07 USD/, 'exact beyond 2^53');
      assert.match(all, /100,000,000,000,000,000,005 JPY/);
      assert.match(all, /100,000,000,000,000,000\.006 KWD/);
      assert.match(all, /10,000,000,000,000,000\.0008 CLF/);
      assert.match(all, /\(23 hours: the clocks changed that day\)/);
      // Money: per system, said in words, cut between systems (never inside one), and the cut said.
      assert.match(all, /Totals are per system; money moving between your systems appears in each\./);
      const texts = sectionTexts(message.blocks);
      const from = texts.findIndex((t) => t.startsWith('*Money on'));
      const to = texts.findIndex((t) => t.startsWith('*Records synced'));
      assert.ok(from >= 0 && to > from, 'a money part, then records synced');
      const money = texts.slice(from, to).filter((t) => /conn-\d+\* \(Provider/.test(t));
      const shown = money.flatMap((t) =>
        [...t.matchAll(/conn-(\d+)\* \(Provider/g)].map((m) => Number(m[1])),
      );
      assert.ok(shown.length >= 2, `${shown.length} systems shown`);
      assert.deepEqual(
        shown,
        Array.from({ length: shown.length }, (_, i) => i),
        'in order, none skipped',
      );
      for (const text of money) {
        for (const item of text.split(/\n(?=\*&lt;)/).filter((i) => /conn-\d+\* \(Provider/.test(i)))
          assert.equal(item.match(/\n +\*[A-Z]{3}\* in /g)?.length ?? 0, 10, 'all ten currencies');
      }
      assert.match(all, new RegExp(`${200 - shown.length} more systems with money that day not shown`));
      if (late) assert.match(all, /Sent late/);
      else assert.doesNotMatch(all, /late/i);
    }
  });

  test('one system in 30 currencies shows 20 and counts the rest, inside one section', () => {
    const digest = bigDigest();
    const codes = (
      'AED AUD BHD BRL CAD CHF CLF CNY CZK DKK EUR GBP HKD HUF IDR ILS INR ISK JPY KRW KWD MXN NOK NZD PLN SEK SGD ' +
      'THB TRY USD'
    ).split(' ');
    const message = digestMessage({
      ...digest,
      problems: [],
      stale: [],
      money: codes.map((currency) => ({
        connection: `${NASTY} wide`,
        providerName: NASTY,
        connected: true,
        currency,
        moneyIn: 10n ** 30n,
        moneyOut: 10n ** 30n,
        movements: 1_000_000,
      })),
    });
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const texts = sectionTexts(message.blocks);
    const item = texts.find((t) => t.includes('wide*'));
    assert.ok(item && item.length <= 3_000, `${item?.length} chars`);
    assert.equal(item.match(/\n +\*[A-Z]{3}\* in /g)?.length, 20);
    assert.match(item, /\n +and 10 more currencies$/);
    assert.doesNotMatch(JSON.stringify(message.blocks), /more systems/);
  });

  test('an alert link is shown only when it is a plain https URL', () => {
    const digest = bigDigest();
    const name = digest.problems[0]!.name;
    for (const bad of [
      'javascript:alert(1)',
      'https://x.test/a|b',
      'https://x.test/<!channel>',
      'http://x.test',
    ]) {
      const all = JSON.stringify(digestMessage(digest, { alertLinks: new Map([[name, bad]]) }).blocks);
      assert.doesNotMatch(all, /alert thread/, bad);
    }
    const good = JSON.stringify(
      digestMessage(digest, {
        alertLinks: new Map([[name, 'https://acme.slack.com/archives/C1/p1?a=1&b=2']]),
      }).blocks,
    );
    assert.match(good, /<https:\/\/acme\.slack\.com\/archives\/C1\/p1\?a=1&amp;b=2\|alert thread>/);
  });

  test('a digest computed from a store of 200 connections renders within limits', async () => {
    const store = await openStore();
    for (let i = 0; i < 200; i++) {
      const name = `conn-${String(i).padStart(3, '0')}`;
      await store.createConnection(
        connection(name, {
          schedule: i % 3 === 0 ? 'hourly' : 'daily 02:00',
          accountLabel: NASTY,
          ...(i % 10 === 0 ? { state: 'needs_reconnect', stateReason: NASTY } : {}),
        }),
      );
      await finishedRun(
        store,
        name,
        '2026-03-09T12:00:00.000Z',
        '2026-03-09T12:01:00.000Z',
        i % 7 === 0 ? 'failed' : 'success',
        {
          balance_transactions: { inserted: i, updated: 1 },
        },
      );
    }
    await storeRecords(store, [
      record('2026-03-08T12:00:00.000Z', 1_000, 'USD', { connection: 'conn-001' }),
      record('2026-03-08T12:00:00.000Z', -5, 'KWD', { connection: 'conn-002' }),
    ]);
    const nextRuns = new Map(
      Array.from({ length: 200 }, (_, i) => [
        `conn-${String(i).padStart(3, '0')}`,
        new Date(NOW.getTime() + i * 60_000),
      ]),
    );
    const digest = await digestOf(store, NOW, 'America/New_York', { nextRuns });
    assert.equal(digest.total, 200);
    assert.equal(digest.problems.length, 20 + 29 - 3); // reconnects, failures, both
    const message = digestMessage(digest);
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    for (const text of sectionTexts(message.blocks)) assert.ok(text.length <= 3_000);
    assert.match(JSON.stringify(message.blocks), /in 0\.000 KWD · out 0\.005 KWD/);
  });
});
