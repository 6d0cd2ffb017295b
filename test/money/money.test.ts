import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidDataError } from '../../src/errors.ts';
import {
  currencyExponent,
  decimalToMinor,
  formatMoney,
  minorToDecimal,
  normalizeCurrency,
} from '../../src/money.ts';

describe('money', () => {
  test('ISO 4217 exponents', () => {
    assert.equal(currencyExponent('JPY'), 0);
    assert.equal(currencyExponent('usd'), 2);
    for (const code of ['KWD', 'BHD', 'JOD', 'OMR', 'TND']) assert.equal(currencyExponent(code), 3);
    assert.equal(currencyExponent('CLF'), 4);
    assert.throws(() => normalizeCurrency('XYZ'), InvalidDataError);
    assert.equal(normalizeCurrency(' eur '), 'EUR');
  });

  test('decimal text and JSON numbers convert exactly, with no float arithmetic', () => {
    assert.equal(decimalToMinor('12.34', 'USD'), 1234);
    assert.equal(decimalToMinor(0.3, 'USD'), 30);
    assert.equal(decimalToMinor(1.005, 'KWD'), 1005);
    assert.equal(decimalToMinor(4.35, 'USD'), 435, 'Math.round(4.35 * 100) is 434.99999…');
    assert.equal(decimalToMinor(1234.5678, 'CLF'), 12345678);
    assert.equal(decimalToMinor('-0.005', 'KWD'), -5);
    assert.equal(decimalToMinor('1e3', 'JPY'), 1000);
    assert.equal(decimalToMinor('100', 'JPY'), 100);
    assert.equal(decimalToMinor('100.00', 'JPY'), 100, 'trailing zeros beyond the exponent are fine');
    assert.equal(decimalToMinor('-0', 'USD'), 0);
  });

  test('more decimals than the currency allows is an error, never silent rounding', () => {
    assert.throws(() => decimalToMinor('1.5', 'JPY'), /more decimals than JPY allows/);
    assert.throws(() => decimalToMinor('0.001', 'USD'), /more decimals/);
    assert.throws(() => decimalToMinor('12,34', 'USD'), /not a decimal/);
    assert.throws(() => decimalToMinor(Number.NaN, 'USD'), /not a finite/);
    assert.throws(() => decimalToMinor('99999999999999999', 'USD'), /too large/);
  });

  test('amounts of up to 15 digits (read with Number) and longer ones (read with BigInt) agree at the edge', () => {
    assert.equal(decimalToMinor('9999999999999.99', 'USD'), 999_999_999_999_999, '15 digits');
    assert.equal(decimalToMinor('-9999999999999.99', 'USD'), -999_999_999_999_999);
    assert.equal(decimalToMinor('10000000000000.00', 'USD'), 1_000_000_000_000_000, '16 digits');
    assert.equal(decimalToMinor('90071992547409.91', 'USD'), Number.MAX_SAFE_INTEGER);
    assert.equal(decimalToMinor('-90071992547409.91', 'USD'), -Number.MAX_SAFE_INTEGER);
    assert.throws(() => decimalToMinor('90071992547409.92', 'USD'), /too large/);
    assert.equal(decimalToMinor('000000000000000012.30', 'USD'), 1230, 'leading zeros, 20 digits');
    assert.ok(Object.is(decimalToMinor('-0.00', 'USD'), 0), 'never -0');
    // Every length from 1 to 16 digits, both signs: the result is the BigInt reading of the same digits.
    for (let length = 1; length <= 16; length++) {
      const digits = '1234567890123456'.slice(0, length);
      for (const sign of ['', '-']) {
        const expected = Number(BigInt(`${sign}${digits}`));
        assert.equal(decimalToMinor(`${sign}${digits}`, 'JPY'), expected, `${sign}${digits}`);
      }
    }
  });

  test('formatting uses the currency’s own decimals', () => {
    assert.equal(minorToDecimal(1234, 'USD'), '12.34');
    assert.equal(minorToDecimal(-5, 'KWD'), '-0.005');
    assert.equal(minorToDecimal(500, 'JPY'), '500');
    // The number path and the BigInt path write the same digits, at the edges of safe integers too.
    const samples = [0, -0, 1, -1, 99, -100, 123_456_789, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let i = 0; i < 500; i++)
      samples.push(Math.floor((Math.random() - 0.5) * 2 * Number.MAX_SAFE_INTEGER));
    for (const minor of samples)
      for (const currency of ['USD', 'JPY', 'KWD'])
        assert.equal(
          minorToDecimal(minor, currency),
          minorToDecimal(BigInt(minor), currency),
          `${minor} ${currency}`,
        );
    assert.equal(minorToDecimal(2n ** 60n, 'USD'), '11529215046068469.76');
    assert.equal(formatMoney(123456789, 'USD'), '1,234,567.89 USD');
    assert.equal(formatMoney(-1234567, 'JPY'), '-1,234,567 JPY');
  });
});
