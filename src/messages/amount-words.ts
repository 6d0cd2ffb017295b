/**
 * An amount written out as on a cheque, so a misplaced separator shows before money is asked for:
 * 125000 EUR → "one thousand two hundred fifty EUR and 00/100". Pure; integer arithmetic on BigInt.
 */
import { currencyExponent } from '../money.ts';

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion'];

function belowThousand(n: number): string {
  const parts: string[] = [];
  if (n >= 100) parts.push(`${ONES[Math.floor(n / 100)]} hundred`);
  const rest = n % 100;
  if (rest >= 20)
    parts.push(rest % 10 === 0 ? TENS[rest / 10]! : `${TENS[Math.floor(rest / 10)]}-${ONES[rest % 10]}`);
  else if (rest > 0 || parts.length === 0) parts.push(ONES[rest]!);
  return parts.join(' ');
}

/** A whole number in English words (`1250` → "one thousand two hundred fifty"). */
export function wholeInWords(value: bigint): string {
  if (value === 0n) return 'zero';
  const groups: string[] = [];
  let rest = value;
  for (let scale = 0; rest > 0n; scale++) {
    const group = Number(rest % 1000n);
    if (group > 0) groups.unshift(`${belowThousand(group)}${SCALES[scale] ? ` ${SCALES[scale]}` : ''}`);
    rest /= 1000n;
  }
  return groups.join(' ');
}

/** Minor units of `currency` in words: the whole units spelled out, the fraction as digits over its base. */
export function amountInWords(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const base = 10n ** BigInt(exponent);
  const value = BigInt(minor);
  const whole = wholeInWords(value / base);
  if (exponent === 0) return `${whole} ${currency}`;
  const fraction = (value % base).toString().padStart(exponent, '0');
  return `${whole} ${currency} and ${fraction}/${base}`;
}
