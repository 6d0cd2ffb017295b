/**
 * A payment request's amount as a person types it (`1,250.00 EUR`, `¥1200`, `12.340 KWD`), read exactly into
 * integer minor units (ISO 4217) without ever going through a float, then checked against what Stripe takes
 * for that currency when finsync creates the amount (connectors/stripe/currency-scale.ts). Pure: the grammar,
 * the modal and the service all call it. Every refusal is a sentence naming the problem.
 */
import { minorToStripeAmount, stripeDecimals } from '../../connectors/stripe/currency-scale.ts';
import { InvalidDataError } from '../errors.ts';
import { currencyExponent, formatMoney } from '../money.ts';

export interface PaymentAmount {
  /** ISO 4217 minor units (JPY 1200 → 1200, USD 12.50 → 1250, KWD 12.340 → 12340). */
  readonly minor: number;
  /** Upper-case ISO code. */
  readonly currency: string;
  /** The same amount in Stripe's API scale (ISK 500 → 50000). */
  readonly stripeAmount: number;
}

export type AmountResult =
  | { readonly ok: true; readonly amount: PaymentAmount }
  | { readonly ok: false; readonly problem: string };

/** Symbols a person may type before the digits, and the currencies each one can stand for (first: default). */
const SYMBOLS: Readonly<Record<string, readonly string[]>> = {
  $: ['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'MXN'],
  '€': ['EUR'],
  '£': ['GBP'],
  '¥': ['JPY', 'CNY'],
  '₹': ['INR'],
  '₩': ['KRW'],
  CHF: ['CHF'],
};

/**
 * Stripe's minimum charge per settlement currency ("Minimum and maximum charge amounts",
 * https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, read 2026-12), in ISO minor units.
 * Other currencies have a minimum equivalent to USD 0.50 that depends on the exchange rate: Stripe checks it
 * and its refusal is shown in words.
 */
const STRIPE_MINIMUM_MINOR: Readonly<Record<string, number>> = {
  USD: 50,
  AED: 200,
  AUD: 50,
  BGN: 100,
  BRL: 50,
  CAD: 50,
  CHF: 50,
  CZK: 1500,
  DKK: 250,
  EUR: 50,
  GBP: 30,
  HKD: 400,
  HUF: 17500,
  INR: 50,
  JPY: 50,
  MXN: 1000,
  MYR: 200,
  NOK: 300,
  NZD: 50,
  PLN: 200,
  RON: 200,
  SEK: 300,
  SGD: 50,
  THB: 1000,
};

/** Stripe's integer amount field takes at most eight digits (99999999: USD 999,999.99). */
export const STRIPE_MAX_AMOUNT = 99_999_999;

/** Digits with optional thousands commas in groups of three, then an optional `.fraction`. */
const PLAIN = /^(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/;

function symbolOf(text: string): { symbol: string | null; rest: string } {
  for (const symbol of Object.keys(SYMBOLS)) {
    if (text.startsWith(symbol)) return { symbol, rest: text.slice(symbol.length).trim() };
  }
  return { symbol: null, rest: text };
}

function knownCurrency(code: string): boolean {
  try {
    currencyExponent(code);
    return true;
  } catch {
    return false;
  }
}

/** True when `token` is an ISO 4217 code (any case): the grammar uses it to tell a currency from a word. */
export function isCurrencyCode(token: string): boolean {
  return /^[A-Za-z]{3}$/.test(token) && knownCurrency(token.toUpperCase());
}

/** True when `token` starts with a currency symbol finsync reads (then the currency code may be left out). */
export function hasCurrencySymbol(token: string): boolean {
  return symbolOf(token.trim()).symbol !== null;
}

const fail = (problem: string): AmountResult => ({ ok: false, problem });

/**
 * Reads `amountText` (digits, optional symbol in front) in `currencyText` (an ISO code, any case; optional
 * when the symbol names one currency). Refuses rather than guesses: `1.000,00` is not read as one thousand.
 */
export function parsePaymentAmount(amountText: string, currencyText?: string): AmountResult {
  const raw = amountText.replace(/\s+/g, '');
  const shown = raw.slice(0, 30);
  if (raw.startsWith('-') || raw.startsWith('−'))
    return fail(`The amount must be more than zero (${shown}).`);
  const { symbol, rest } = symbolOf(raw.replace(/^\+/, ''));
  const code = currencyText?.trim().toUpperCase();
  if (code !== undefined && code !== '' && !knownCurrency(code))
    return fail(
      `\`${code.slice(0, 10)}\` is not a currency code finsync knows (ISO 4217, e.g. USD, EUR, JPY).`,
    );
  const candidates = symbol ? SYMBOLS[symbol]! : [];
  let currency: string;
  if (code) {
    if (symbol && !candidates.includes(code))
      return fail(`The amount is written with ${symbol} but the currency is ${code}: give one currency.`);
    currency = code;
  } else if (symbol) currency = candidates[0]!;
  else return fail('Give the currency after the amount, e.g. `1250.00 EUR`.');
  if (rest.startsWith('-')) return fail(`The amount must be more than zero (${shown}).`);
  if (
    /^\d{1,3}(\.\d{3})+,\d+$/.test(rest) ||
    /^\d{1,3}(\.\d{3}){2,}$/.test(rest) ||
    /^\d+,\d{1,2}$/.test(rest)
  )
    return fail(
      `\`${shown}\` looks like a decimal comma. Write amounts with a decimal point and optional thousands commas: \`1,000.00\` or \`1000.00\`.`,
    );
  const match = PLAIN.exec(rest);
  if (!match)
    return fail(`\`${shown}\` is not an amount. Write it like \`1250\`, \`1,250.00\` or \`1250.5\`.`);
  const whole = match[1]!.replaceAll(',', '');
  const fraction = match[2] ?? '';
  const exponent = currencyExponent(currency);
  if (fraction.length > exponent) {
    const hint = exponent === 0 ? `${currency} has no decimals` : `${currency} has ${exponent} decimals`;
    const thousand =
      /^\d{1,3}$/.test(whole) && fraction.length === 3
        ? ` (for thousands write \`${whole},${fraction}\`)`
        : '';
    return fail(`\`${shown}\` has more decimals than ${currency} allows: ${hint}${thousand}.`);
  }
  // Exact: digits are joined as text, then read as one BigInt; no floating point.
  const minorBig = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minorBig === 0n) return fail('The amount must be more than zero.');
  if (minorBig > BigInt(Number.MAX_SAFE_INTEGER))
    return fail(`\`${shown}\` is far above what Stripe accepts.`);
  return stripeChecked(Number(minorBig), currency);
}

/** Stripe's own rules for an amount finsync creates: scale, special cases, minimum and maximum. */
export function stripeChecked(minor: number, currency: string): AmountResult {
  let stripeAmount: number;
  try {
    // HUF, TWD, ISK and UGX: Stripe's special two-decimal cases. A request may be paid out as is, so finsync
    // asks for whole units (a multiple of 100 in the API) for all four, as Stripe requires for payouts.
    stripeAmount = minorToStripeAmount(minor, currency, 'payout');
  } catch (error) {
    if (!(error instanceof InvalidDataError)) throw error;
    return fail(`${formatMoney(minor, currency)} cannot be asked through Stripe: ${stripeRule(currency)}`);
  }
  const minimum = STRIPE_MINIMUM_MINOR[currency];
  if (minimum !== undefined && minor < minimum)
    return fail(
      `${formatMoney(minor, currency)} is below Stripe's minimum for ${currency} (${formatMoney(minimum, currency)}).`,
    );
  if (stripeAmount > STRIPE_MAX_AMOUNT)
    return fail(
      `${formatMoney(minor, currency)} is above Stripe's maximum for one payment in ${currency} (eight digits in Stripe's units).`,
    );
  return { ok: true, amount: { minor, currency, stripeAmount } };
}

function stripeRule(currency: string): string {
  if (['HUF', 'TWD', 'ISK', 'UGX'].includes(currency))
    return `Stripe takes ${currency} in whole units only here (no decimals).`;
  if (stripeDecimals(currency) === 3)
    return `Stripe needs ${currency} amounts whose last (third) decimal is 0.`;
  if (stripeDecimals(currency) === 0) return `Stripe takes ${currency} in whole units only.`;
  return `Stripe does not take that amount in ${currency}.`;
}
