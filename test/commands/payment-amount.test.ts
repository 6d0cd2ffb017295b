import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePaymentAmount } from '../../src/commands/payment-amount.ts';

/** [amount, currency, minor units, Stripe's amount] read exactly. */
const ACCEPTED: readonly (readonly [string, string | undefined, number, string, number])[] = [
  ['1250', 'USD', 125000, 'USD', 125000],
  ['1,250.00', 'EUR', 125000, 'EUR', 125000],
  ['1250.5', 'usd', 125050, 'USD', 125050],
  ['  1 250.50 ', 'eur', 125050, 'EUR', 125050],
  ['¥1200', undefined, 1200, 'JPY', 1200],
  ['1200', 'JPY', 1200, 'JPY', 1200],
  ['¥1200', 'jpy', 1200, 'JPY', 1200],
  ['12.340', 'KWD', 12340, 'KWD', 12340],
  ['€1,250.00', undefined, 125000, 'EUR', 125000],
  ['£0.30', undefined, 30, 'GBP', 30],
  ['$19.99', 'cad', 1999, 'CAD', 1999],
  ['500', 'ISK', 500, 'ISK', 50000],
  ['500', 'UGX', 500, 'UGX', 50000],
  ['1000', 'HUF', 100000, 'HUF', 100000],
  ['123,456.78', 'USD', 12345678, 'USD', 12345678],
  ['5000', 'MGA', 500000, 'MGA', 5000],
  ['999999.99', 'USD', 99999999, 'USD', 99999999],
];

/** [amount, currency, words the refusal must contain]. */
const REFUSED: readonly (readonly [string, string | undefined, RegExp])[] = [
  ['1.000,00', 'EUR', /decimal comma.*1,000\.00/],
  ['12,50', 'EUR', /decimal comma/],
  ['12.345', 'KWD', /KWD.*last \(third\) decimal is 0/],
  ['12.5', 'JPY', /more decimals than JPY allows: JPY has no decimals/],
  ['1.234', 'USD', /more decimals than USD allows.*1,234/],
  ['0', 'USD', /more than zero/],
  ['0.00', 'EUR', /more than zero/],
  ['-5', 'USD', /more than zero/],
  ['10', 'XYZ', /`XYZ` is not a currency/],
  ['0.49', 'USD', /below Stripe's minimum for USD \(0\.50 USD\)/],
  ['49', 'JPY', /below Stripe's minimum for JPY/],
  ['1000000', 'USD', /above Stripe's maximum/],
  ['1000.50', 'HUF', /whole units/],
  ['10.5', 'TWD', /whole units/],
  ['12', undefined, /Give the currency/],
  ['£12', 'USD', /written with £ but the currency is USD/],
  ['12abc', 'USD', /is not an amount/],
];

describe('payment request amounts are read exactly', () => {
  for (const [text, currency, minor, code, stripe] of ACCEPTED) {
    test(`${JSON.stringify(text)} ${currency ?? ''} is ${minor} minor units of ${code}`, () => {
      const result = parsePaymentAmount(text, currency);
      assert.deepEqual(result, { ok: true, amount: { minor, currency: code, stripeAmount: stripe } });
    });
  }
  for (const [text, currency, words] of REFUSED) {
    test(`${JSON.stringify(text)} ${currency ?? ''} is refused, naming the problem`, () => {
      const result = parsePaymentAmount(text, currency);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.problem, words);
    });
  }
});
