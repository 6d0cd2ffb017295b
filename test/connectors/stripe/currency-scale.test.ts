import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  minorToStripeAmount,
  stripeAmountToMinor,
  stripeDecimals,
} from '../../../connectors/stripe/currency-scale.ts';
import { InvalidDataError } from '../../../src/errors.ts';
import { currencyExponent } from '../../../src/money.ts';

// Stripe's lists, https://docs.stripe.com/currencies.
const ZERO_DECIMAL = 'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF'.split(' ');
const THREE_DECIMAL = 'BHD JOD KWD OMR TND'.split(' ');

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof InvalidDataError && pattern.test(error.message));

describe('Stripe amounts to ledger minor units', () => {
  test('ISK is two-decimal at Stripe, zero-decimal in ISO 4217: isk 50000 is 500 krónur', () => {
    assert.equal(stripeAmountToMinor(50_000, 'isk'), 500);
    assert.equal(stripeAmountToMinor(-12_300, 'ISK'), -123);
    assert.equal(stripeAmountToMinor(0, 'isk'), 0);
  });

  test('an ISK amount with non-zero decimals is refused, never rounded', () => {
    refused(() => stripeAmountToMinor(50_050, 'isk'), /ISK amount 50050 .*two decimals that are always 00/);
    refused(() => stripeAmountToMinor(-1, 'isk'), /not a multiple of 100/);
  });

  test('UGX follows its special case (two decimals, always 00), not the zero-decimal list it is also on', () => {
    assert.equal(stripeDecimals('ugx'), 2);
    assert.equal(stripeAmountToMinor(500, 'ugx'), 5);
    assert.equal(stripeAmountToMinor(150_000_000, 'UGX'), 1_500_000);
    refused(() => stripeAmountToMinor(505, 'ugx'), /UGX amount 505/);
  });

  test('MGA is zero-decimal at Stripe, two-decimal in ISO 4217: mga 5000 is 5000 ariary = 500000 minor units', () => {
    assert.equal(stripeAmountToMinor(5_000, 'mga'), 500_000);
    assert.equal(stripeAmountToMinor(1, 'mga'), 100);
  });

  test('HUF and TWD are two-decimal at Stripe and in ISO 4217: amounts pass unchanged, decimals allowed', () => {
    assert.equal(stripeAmountToMinor(1_045, 'huf'), 1_045);
    assert.equal(stripeAmountToMinor(99_999, 'twd'), 99_999);
  });

  test('every other zero-decimal currency is zero-decimal in ISO 4217 too: unchanged', () => {
    for (const code of ZERO_DECIMAL) {
      assert.equal(stripeDecimals(code), 0, code);
      const expected = currencyExponent(code) === 0 ? 1_234 : 123_400;
      assert.equal(stripeAmountToMinor(1_234, code.toLowerCase()), expected, code);
    }
  });

  test('three-decimal currencies are three-decimal in both: kwd 5120 is 5.120 KWD', () => {
    for (const code of THREE_DECIMAL) {
      assert.equal(stripeDecimals(code), 3, code);
      assert.equal(stripeAmountToMinor(5_120, code.toLowerCase()), 5_120, code);
      // Reading is exact: Stripe's own non-zero last digit (if it ever sends one) is kept, not rounded.
      assert.equal(stripeAmountToMinor(5_124, code.toLowerCase()), 5_124, code);
    }
  });

  test('two-decimal currencies are unchanged', () => {
    for (const code of ['usd', 'eur', 'gbp', 'chf', 'inr'])
      assert.equal(stripeAmountToMinor(1_999, code), 1_999);
  });

  test('non-integers, unsafe integers and unknown currencies are invalid data', () => {
    refused(() => stripeAmountToMinor(12.5, 'usd'), /not an integer/);
    refused(() => stripeAmountToMinor(Number.MAX_SAFE_INTEGER + 1, 'usd'), /not an integer/);
    refused(() => stripeAmountToMinor(Number.MAX_SAFE_INTEGER, 'mga'), /too large/);
    refused(() => stripeAmountToMinor(100, 'xyz'), /unknown currency/);
  });
});

describe('ledger minor units to Stripe amounts, for amounts finsync creates', () => {
  test('ISK and UGX go back with their two zero decimals; MGA loses ISO’s two decimals', () => {
    assert.equal(minorToStripeAmount(500, 'ISK'), 50_000);
    assert.equal(minorToStripeAmount(5, 'UGX'), 500);
    assert.equal(minorToStripeAmount(500_000, 'MGA'), 5_000);
    assert.equal(minorToStripeAmount(1_500, 'JPY'), 1_500);
    assert.equal(minorToStripeAmount(1_000, 'usd'), 1_000);
  });

  test('round trip: Stripe → ledger → Stripe gives Stripe’s integer back', () => {
    const cases: [number, string][] = [
      [50_000, 'isk'],
      [500, 'ugx'],
      [5_000, 'mga'],
      [1_045, 'huf'],
      [5_120, 'kwd'],
      [777, 'usd'],
    ];
    for (const [amount, code] of cases)
      assert.equal(minorToStripeAmount(stripeAmountToMinor(amount, code), code), amount, code);
  });

  test('a fraction of an ariary cannot be sent (MGA is zero-decimal at Stripe)', () => {
    refused(() => minorToStripeAmount(500_050, 'MGA'), /whole MGA units/);
  });

  test('three-decimal amounts must end in 0; finsync refuses instead of rounding', () => {
    for (const code of THREE_DECIMAL) {
      assert.equal(minorToStripeAmount(5_120, code), 5_120, code);
      refused(() => minorToStripeAmount(5_124, code), /last digit is 0/);
    }
  });

  test('HUF and TWD charges may have decimals, their payouts must be whole units (divisible by 100)', () => {
    for (const code of ['HUF', 'TWD']) {
      assert.equal(minorToStripeAmount(1_045, code), 1_045, code);
      assert.equal(minorToStripeAmount(1_045, code, 'charge'), 1_045, code);
      assert.equal(minorToStripeAmount(1_000, code, 'payout'), 1_000, code);
      refused(
        () => minorToStripeAmount(1_045, code, 'payout'),
        new RegExp(`${code} payout .*multiple of 100`),
      );
    }
  });

  test('negative, fractional and unknown-currency amounts are refused', () => {
    refused(() => minorToStripeAmount(-100, 'USD'), /never negative/);
    refused(() => minorToStripeAmount(1.5, 'USD'), /not an integer/);
    refused(() => minorToStripeAmount(100, 'XYZ'), /unknown currency/);
  });
});
