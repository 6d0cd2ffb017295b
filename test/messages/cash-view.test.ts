import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cashMessage } from '../../src/messages/cash.ts';
import type { CashReport, CashSystem } from '../../src/services/cash.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

function system(i: number, currencies = ['EUR', 'JPY', 'KWD', 'USD']): CashSystem {
  return {
    connection: `stripe-${String(i).padStart(3, '0')}`,
    provider: 'stripe',
    providerName: 'Stripe <Test> & Co',
    connected: true,
    totals: currencies.map((currency) => ({
      currency,
      moneyIn: 123_456_789_012n,
      moneyOut: 5n,
      net: 123_456_789_007n,
      movements: 1234,
    })),
    balances:
      i % 2 === 0
        ? {
            outcome: 'ok',
            balances: [
              {
                account: 'Stripe balance',
                currency: 'USD',
                kind: 'available',
                amount: -1050,
                asOf: '2026-12-06T08:00:00.000Z',
              },
              {
                account: 'Stripe balance',
                currency: 'USD',
                kind: 'pending',
                amount: 7,
                asOf: '2026-12-06T08:00:00.000Z',
              },
            ],
          }
        : { outcome: 'unavailable', reason: 'Invalid API Key <provided>' },
  };
}

const report = (count: number, currencies?: string[]): CashReport => ({
  label: 'today so far',
  from: '2026-12-06',
  to: '2026-12-06',
  timezone: 'Europe/Berlin',
  generatedAt: new Date('2026-12-06T09:00:00Z'),
  systems: Array.from({ length: count }, (_, i) => system(i, currencies)),
});

test('cash: exact in each currency, escaped, balances with as-of times or why they are unavailable', () => {
  const message = cashMessage(report(2), { shareable: true, range: { kind: 'week' } });
  const body = JSON.stringify(message);
  assert.match(
    body,
    /USD: in 1,234,567,890.12 USD · out 0.05 USD · net \*\+1,234,567,890.07 USD\* \(1,234 movements\)/,
  );
  assert.match(body, /JPY: in 123,456,789,012 JPY/);
  assert.match(body, /KWD: in 123,456,789.012 KWD · out 0.005 KWD/);
  assert.match(body, /Stripe balance: available -10.50 USD · pending 0.07 USD \(as of <!date\^\d+\^/);
  assert.match(body, /balance unavailable: Invalid API Key &lt;provided&gt;/);
  assert.match(body, /Stripe &lt;Test&gt; &amp; Co/);
  assert.match(
    message.text,
    /^Cash, today so far, 2026-12-06 \(Europe\/Berlin\): 2 systems, 2 with money movements$/,
  );
  assert.deepEqual(checkBlockKit(message as never, 'message'), []);
});

function checkLimits(message: ReturnType<typeof cashMessage>): number {
  assert.ok(message.blocks.length <= 50, `${message.blocks.length} blocks`);
  assert.deepEqual(checkBlockKit(message as never, 'message'), []);
  for (const block of message.blocks) {
    const text = (block as { text?: { text: string } }).text?.text ?? '';
    assert.ok(text.length <= 3000);
  }
  assert.match(JSON.stringify(message.blocks.at(-1)), /cash_share/);
  return (JSON.stringify(message).match(/\*stripe-\d{3}\*/g) ?? []).length;
}

test('200 systems in four currencies each fit in one message, within Slack limits', () => {
  const message = cashMessage(report(200), { shareable: true });
  assert.equal(checkLimits(message), 200);
  assert.doesNotMatch(JSON.stringify(message), /more systems/);
});

test('more than a message holds is clipped at whole systems, the rest named as "and N more"', () => {
  const many = ['AUD', 'CAD', 'CHF', 'EUR', 'GBP', 'JPY', 'KWD', 'NOK', 'SEK', 'USD'];
  const message = cashMessage(report(200, many), { shareable: true });
  const shown = checkLimits(message);
  assert.ok(shown > 0 && shown < 200, `${shown} shown`);
  assert.match(JSON.stringify(message), new RegExp(`and ${200 - shown} more systems`));
});
