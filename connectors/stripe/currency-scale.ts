/**
 * Stripe's API amount scale per currency, and exact conversion to and from the ledger's ISO 4217 minor units.
 *
 * Stripe sends and takes every amount as an integer "in the currency's smallest unit", but its idea of that
 * unit is not always ISO 4217's (src/money.ts). Source: Stripe, "Supported currencies",
 * https://docs.stripe.com/currencies (sections "Zero-decimal currencies", "Three-decimal currencies" and
 * "Special cases"; read 2026-12):
 * - Unless listed otherwise a currency is two-decimal in the API (USD 1000 = 10.00 USD).
 * - Zero-decimal: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF (JPY 500 = ¥500).
 *   MGA is zero-decimal at Stripe although ISO 4217 gives it 2 decimals: Stripe 5000 = 5000 ariary.
 * - Three-decimal: BHD JOD KWD OMR TND (KWD 5120 = 5.120 KWD). When you create amounts "the least-significant
 *   (last) digit [must] be 0" (5.124 KWD must be sent as 5120 or 5130).
 * - Special cases, which win over the lists above:
 *   - ISK "transitioned to a zero-decimal currency, but backward compatibility requires you to represent it as
 *     a two-decimal value, where the decimal amount is always 00. For example, to charge 5 ISK, provide an
 *     amount value of 500. You can't charge fractions of ISK." ISO 4217 says 0 decimals: Stripe 50000 = 500 ISK.
 *   - UGX: the same words as ISK, so two-decimal in the API with 00 decimals, although UGX is also on the
 *     zero-decimal list (the special case is the newer, specific rule; ISO 4217 says 0 decimals).
 *   - HUF and TWD: two-decimal in the API (and in ISO 4217) for charges, but Stripe "treats [them] as a
 *     zero-decimal currency for payouts": a payout amount must be evenly divisible by 100.
 *
 * Reading Stripe data never rounds: a Stripe ISK or UGX amount that is not a multiple of 100 is not a whole
 * króna/shilling and is refused (InvalidDataError), as is anything that does not fit an exact safe integer.
 */
import { InvalidDataError } from '../../src/errors.ts';
import { currencyExponent, integerMinor } from '../../src/money.ts';

/** Decimals of Stripe's integer amount, by upper-case ISO code, where it is not Stripe's default of 2. */
const STRIPE_DECIMALS: Readonly<Record<string, number>> = {
  // Zero-decimal list (UGX is on it too, but its special case below makes it two-decimal).
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  MGA: 0,
  PYG: 0,
  RWF: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // Three-decimal list.
  BHD: 3,
  JOD: 3,
  KWD: 3,
  OMR: 3,
  TND: 3,
  // Special cases: two-decimal for backward compatibility, decimals always 00.
  ISK: 2,
  UGX: 2,
};

/** Special cases whose API amounts must always be whole units (a multiple of 100), whatever is created. */
const WHOLE_UNITS_ALWAYS: ReadonlySet<string> = new Set(['ISK', 'UGX']);
/** Special cases whose payout amounts must be whole units (a multiple of 100); charges may have decimals. */
const WHOLE_UNITS_FOR_PAYOUTS: ReadonlySet<string> = new Set(['HUF', 'TWD']);
const THREE_DECIMAL: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

const STRIPE_DEFAULT_DECIMALS = 2;

/** How many decimals Stripe's integer amount has for `currency` (ISO code, any case). */
export function stripeDecimals(currency: string): number {
  return STRIPE_DECIMALS[currency.toUpperCase()] ?? STRIPE_DEFAULT_DECIMALS;
}

function checkedCode(currency: string): string {
  const code = currency.toUpperCase();
  currencyExponent(code); // throws InvalidDataError for a code ISO 4217 does not know
  return code;
}

/** Multiplies or divides by a power of ten exactly; `what` names the value in errors. */
function rescale(value: number, fromDecimals: number, toDecimals: number, what: () => string): number {
  if (toDecimals >= fromDecimals) {
    const scaled = value * 10 ** (toDecimals - fromDecimals);
    if (!Number.isSafeInteger(scaled)) throw new InvalidDataError(`${what()} is too large`, undefined);
    return scaled === 0 ? 0 : scaled;
  }
  const divisor = 10 ** (fromDecimals - toDecimals);
  if (value % divisor !== 0) {
    throw new InvalidDataError(`${what()} is not a multiple of ${divisor}`, undefined);
  }
  const scaled = value / divisor;
  return scaled === 0 ? 0 : scaled;
}

/**
 * A Stripe API amount (an integer in Stripe's scale for `currency`) as ledger minor units (ISO 4217 exponent),
 * exactly: `isk 50000` → 500, `mga 5000` → 500000, `jpy 500` → 500, `kwd 5120` → 5120, `usd 1000` → 1000.
 * Throws InvalidDataError for a non-integer, an unknown currency, or a value that does not convert exactly
 * (an ISK or UGX amount that is not a multiple of 100).
 */
export function stripeAmountToMinor(stripeAmount: number, currency: string): number {
  const amount = integerMinor(stripeAmount);
  const code = checkedCode(currency);
  return rescale(amount, stripeDecimals(code), currencyExponent(code), () =>
    WHOLE_UNITS_ALWAYS.has(code)
      ? `Stripe ${code} amount ${amount} (Stripe writes ${code} with two decimals that are always 00)`
      : `Stripe ${code} amount ${amount}`,
  );
}

/** What finsync is creating at Stripe: rules differ (HUF and TWD payouts are whole units). */
export type StripeAmountUse = 'charge' | 'payout';

/**
 * Ledger minor units as the integer Stripe's API takes when finsync creates an amount, enforcing Stripe's rules
 * instead of rounding: three-decimal currencies must end in 0, zero-decimal currencies whose ISO exponent is 2
 * (MGA) must be whole units, HUF and TWD payouts must be whole units (a multiple of 100), and amounts are
 * never negative. `minorToStripeAmount(500, 'ISK')` → 50000, `minorToStripeAmount(500000, 'MGA')` → 5000.
 */
export function minorToStripeAmount(
  minor: number,
  currency: string,
  use: StripeAmountUse = 'charge',
): number {
  const value = integerMinor(minor);
  const code = checkedCode(currency);
  if (value < 0)
    throw new InvalidDataError(`Stripe amounts are never negative (${code} ${value})`, undefined);
  const exponent = currencyExponent(code);
  if (THREE_DECIMAL.has(code) && value % 10 !== 0) {
    throw new InvalidDataError(
      `Stripe needs ${code} amounts whose last digit is 0; ${value} would have to be rounded`,
      undefined,
    );
  }
  const stripe = rescale(
    value,
    exponent,
    stripeDecimals(code),
    () => `${code} ${value} minor units: Stripe takes only whole ${code} units, so the amount`,
  );
  if (
    (WHOLE_UNITS_ALWAYS.has(code) || (use === 'payout' && WHOLE_UNITS_FOR_PAYOUTS.has(code))) &&
    stripe % 100 !== 0
  ) {
    throw new InvalidDataError(
      `Stripe ${code} ${use} amounts must be whole units (a multiple of 100 in the API); ${stripe} is not`,
      undefined,
    );
  }
  return stripe;
}
