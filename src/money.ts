/**
 * Exact money: integer minor units plus an ISO 4217 currency. Never floats.
 * Exponents are ISO 4217's (JPY 0, USD 2, KWD 3, CLF 4), not any provider's.
 */
import { InvalidDataError } from './errors.ts';

/** ISO 4217 active codes whose minor unit is not 2. Every other known code has exponent 2. */
const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** ISO 4217 active currency codes (2024 list) with exponent 2. */
const TWO_DECIMAL =
  `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD
HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR
MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP
SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR
ZMW ZWG ZWL`.split(/\s+/);

const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...TWO_DECIMAL.map((code) => [code, 2] as const),
  ...Object.entries(EXPONENT_EXCEPTIONS),
]);

/** Upper-cases and checks a currency code; throws InvalidDataError for anything not in ISO 4217. */
export function normalizeCurrency(code: unknown): string {
  if (typeof code !== 'string') throw new InvalidDataError(`currency is missing`, undefined);
  const upper = code.trim().toUpperCase();
  if (!EXPONENTS.has(upper)) throw new InvalidDataError(`unknown currency "${code.slice(0, 10)}"`, undefined);
  return upper;
}

export function currencyExponent(code: string): number {
  const exponent = EXPONENTS.get(code.toUpperCase());
  if (exponent === undefined)
    throw new InvalidDataError(`unknown currency "${code.slice(0, 10)}"`, undefined);
  return exponent;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Converts a decimal amount (text such as "12.34", or a JSON number) to integer minor units of `currency`,
 * exactly. A JSON number is first turned back into its shortest round-trip text (what the provider sent),
 * then parsed as a decimal string: no binary floating-point arithmetic touches the value.
 * More fractional digits than the currency allows are an error unless they are zeros (never silently rounded).
 */
export function decimalToMinor(value: string | number, currency: string): number {
  const exponent = currencyExponent(currency);
  const text = typeof value === 'number' ? numberToText(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new InvalidDataError(`amount "${text.slice(0, 40)}" is not a decimal number`, undefined);
  }
  const negative = match[1] === '-';
  let digits = (match[2] ?? '') + (match[3] ?? '');
  // Position of the decimal point counted from the right end of `digits`.
  let scale = (match[3] ?? '').length - Number(match[4] ?? '0');
  // Shift to the currency's exponent.
  if (scale < exponent) {
    digits += '0'.repeat(exponent - scale);
    scale = exponent;
  }
  const excess = scale - exponent;
  if (excess > 0) {
    const dropped = digits.slice(digits.length - excess);
    if (/[^0]/.test(dropped)) {
      throw new InvalidDataError(
        `amount "${text.slice(0, 40)}" has more decimals than ${currency} allows (${exponent})`,
        undefined,
      );
    }
    digits = digits.slice(0, digits.length - excess);
  }
  // Up to 15 digits the integer is below 2^53, so Number reads it exactly: no BigInt per record on the sync path.
  if (digits.length <= 15) {
    const magnitude = digits === '' ? 0 : Number(digits);
    return magnitude === 0 ? 0 : negative ? -magnitude : magnitude;
  }
  const minor = (negative ? -1n : 1n) * BigInt(digits);
  if (minor > MAX_SAFE_MINOR || minor < -MAX_SAFE_MINOR) {
    throw new InvalidDataError(`amount "${text.slice(0, 40)}" is too large`, undefined);
  }
  return Number(minor) === 0 ? 0 : Number(minor);
}

const MAX_SAFE_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

function numberToText(value: number): string {
  if (!Number.isFinite(value))
    throw new InvalidDataError(`amount ${value} is not a finite number`, undefined);
  // Number#toString gives the shortest text that parses back to the same double: the provider's own digits.
  return value.toString();
}

/** Checks that a provider's integer minor-unit amount really is a safe integer. */
export function integerMinor(value: unknown, what = 'amount'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidDataError(`${what} ${String(value).slice(0, 40)} is not an integer amount`, undefined);
  }
  return value === 0 ? 0 : value;
}

/** Formats minor units as a plain decimal string in the currency's own decimals: 1234 USD → "12.34", -5 KWD → "-0.005". */
export function minorToDecimal(minor: number | bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  // A safe integer's digits are exact as a number (no BigInt per record on the sync path); larger go through BigInt.
  const small = typeof minor === 'number' && Number.isSafeInteger(minor);
  const value = small ? 0n : BigInt(minor);
  const negative = small ? (minor as number) < 0 : value < 0n;
  const digits = (
    small ? String(Math.abs(minor as number)) : (negative ? -value : value).toString()
  ).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Human form with thousands separators: 123456789 USD → "1,234,567.89 USD". */
export function formatMoney(minor: number | bigint, currency: string): string {
  const [whole = '0', fraction] = minorToDecimal(minor, currency).split('.');
  const negative = whole.startsWith('-');
  const grouped = (negative ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`} ${currency}`;
}
