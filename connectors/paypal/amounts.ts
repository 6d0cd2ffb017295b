/**
 * PayPal `money.value` strings to exact ISO 4217 minor units. PayPal writes each amount in its currency's own
 * decimals (spec, `money.value`: "an integer for currencies like JPY … a decimal fraction for currencies like
 * TND that are subdivided into thousandths"), signed (`"-78.00"`). The text is checked against the spec's
 * pattern and converted by src/money.ts's decimal parser: no float ever holds the value. More decimals than
 * ISO 4217 gives the currency are refused unless they are zeros (never rounded).
 */
import { InvalidDataError } from '../../src/errors.ts';
import { decimalToMinor, normalizeCurrency } from '../../src/money.ts';
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
  return { amount: decimalToMinor(money.value, currency), currency };
}
