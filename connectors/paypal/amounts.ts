/**
 * PayPal `money.value` strings to exact ISO 4217 minor units. PayPal writes each amount in its currency's own
 * decimals (spec, `money.value`: "an integer for currencies like JPY … a decimal fraction for currencies like
 * TND that are subdivided into thousandths"), signed (`"-78.00"`). The text is checked against the spec's
 * pattern and converted by src/money.ts's decimal parser: no float ever holds the value. More decimals than
 * ISO 4217 gives the currency are refused unless they are zeros (never rounded).
 */
import { InvalidDataError } from '../../src/errors.ts';
import { currencyExponent, decimalToMinor, normalizeCurrency } from '../../src/money.ts';
import type { PayPalMoney } from './wire.ts';

/** The spec's `money.value` pattern. */
const VALUE = /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/;

export interface Minor {
  readonly amount: number;
  readonly currency: string;
}

export function moneyToMinor(money: PayPalMoney | undefined, field: string): Minor {
  if (!money) throw new InvalidDataError(`${field} is missing`, undefined);
  const currency = normalizeCurrency(money.currency_code);
  if (!VALUE.test(money.value)) {
    throw new InvalidDataError(`${field} "${money.value.slice(0, 40)}" is not a PayPal decimal`, undefined);
  }
  return { amount: fastMinor(money.value, currency) ?? decimalToMinor(money.value, currency), currency };
}

/** Short values (the common case): at most 15 digits in all, so the digit string is an exact safe integer. */
const SHORT = /^(-?)(\d{0,15})(?:\.(\d{1,15}))?$/;

/**
 * The same exact conversion as decimalToMinor for short values, without BigInt: the integer and fraction
 * digits, the fraction padded to the currency's exponent, are read as one integer digit string (exact below
 * 2^53, which 15 digits always are). Undefined when the value is not short or has more non-zero decimals than
 * the currency allows: decimalToMinor then decides (and refuses, naming the value).
 */
function fastMinor(value: string, currency: string): number | undefined {
  const match = SHORT.exec(value);
  if (!match) return undefined;
  const whole = match[2] ?? '';
  let fraction = match[3] ?? '';
  const exponent = currencyExponent(currency);
  if (fraction.length > exponent) {
    if (/[^0]/.test(fraction.slice(exponent))) return undefined;
    fraction = fraction.slice(0, exponent);
  }
  const digits = whole + fraction.padEnd(exponent, '0');
  if (digits.length > 15) return undefined;
  const minor = Number(digits === '' ? '0' : digits);
  return match[1] === '-' && minor !== 0 ? -minor : minor;
}
