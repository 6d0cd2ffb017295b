import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand } from '../../src/commands/command-grammar.ts';

const ok = (text: string) => {
  const result = parseCommand(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error.message}`);
  return result.command;
};
const bad = (text: string) => {
  const result = parseCommand(text);
  assert.ok(!result.ok, `${text} should not parse`);
  return result.error;
};

test('request: amount, currency (typed, glued or from the symbol), description, optional via', () => {
  const request = (
    amount: string,
    currency: string | undefined,
    description: string,
    via: string | null = null,
  ) => ({
    name: 'request',
    amount,
    currency,
    description,
    via,
  });
  assert.deepEqual(
    ok('request 1,250.00 EUR Invoice 42 for Acme'),
    request('1,250.00', 'EUR', 'Invoice 42 for Acme'),
  );
  assert.deepEqual(
    ok('request 1250 eur Invoice 42 via stripe-eu'),
    request('1250', 'eur', 'Invoice 42', 'stripe-eu'),
  );
  assert.deepEqual(ok('request ¥1200 Room booking'), request('¥1200', undefined, 'Room booking'));
  assert.deepEqual(ok('request ¥1200 JPY Room booking'), request('¥1200', 'JPY', 'Room booking'));
  assert.deepEqual(ok('request 1200JPY Room'), request('1200', 'JPY', 'Room'));
  assert.deepEqual(ok('request € 1,250 Rent'), request('€1,250', undefined, 'Rent'));
  assert.deepEqual(ok('request 12.340 KWD "Deposit, flat 4"'), request('12.340', 'KWD', 'Deposit, flat 4'));
  // `via` only counts as the last two words.
  assert.deepEqual(
    ok('request 10 EUR Delivery via courier today'),
    request('10', 'EUR', 'Delivery via courier today'),
  );
});

test('request: refusals carry the problem and the usage of request', () => {
  for (const [text, words] of [
    ['request', /Give an amount/],
    ['request 1250', /Give the currency/],
    ['request 1250 Invoice 42', /Give the currency/],
    ['request 1250 EUR', /what the payment is for/],
    ['request 1.000,00 EUR Rent', /decimal comma/],
    ['request 12.5 JPY Rent', /more decimals than JPY allows/],
    ['request 0 EUR Rent', /more than zero/],
    ['request 10 EUR Rent via Bad!Name', /not a connection name/],
  ] as const) {
    const error = bad(text);
    assert.match(error.message, words, text);
    assert.equal(error.usage.name, 'request', text);
  }
});

test('requests: open by default, paid or all', () => {
  assert.deepEqual(ok('requests'), { name: 'requests', filter: 'open' });
  assert.deepEqual(ok('requests paid'), { name: 'requests', filter: 'paid' });
  assert.deepEqual(ok('requests all'), { name: 'requests', filter: 'all' });
  assert.equal(bad('requests late').usage.name, 'requests');
});
