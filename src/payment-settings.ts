/**
 * The settings of payment requests, parsed exactly (ConfigError naming the setting when a value is wrong):
 * - FINSYNC_PAYMENT_REQUESTERS: who may ask for money, `admins` (default) or `everyone`.
 * - FINSYNC_PAYMENT_APPROVAL_ABOVE: per currency, the amount (major units) above which a second admin must
 *   approve a request before any link exists, e.g. `USD:5000,EUR:5000`; a currency not listed needs none.
 */
import { ConfigError } from './errors.ts';
import { currencyExponent } from './money.ts';

export interface PaymentSettings {
  readonly requesters: 'admins' | 'everyone';
  /** Minor units by upper-case ISO code. */
  readonly approvalAbove: ReadonlyMap<string, number>;
}

export const REQUESTERS_SETTING = 'FINSYNC_PAYMENT_REQUESTERS';
export const APPROVAL_SETTING = 'FINSYNC_PAYMENT_APPROVAL_ABOVE';

export function parseRequesters(text: string | undefined): PaymentSettings['requesters'] {
  const value = (text ?? 'admins').trim().toLowerCase();
  if (value === 'admins' || value === 'everyone') return value;
  throw new ConfigError(
    REQUESTERS_SETTING,
    `${REQUESTERS_SETTING} must be admins or everyone, not "${value.slice(0, 20)}"`,
  );
}

export function parseApprovalLimits(text: string | undefined): ReadonlyMap<string, number> {
  const limits = new Map<string, number>();
  if (text === undefined || text.trim() === '') return limits;
  for (const part of text.split(',')) {
    const entry = part.trim();
    const match = /^([A-Za-z]{3}):(\d{1,12})(?:\.(\d+))?$/.exec(entry);
    const bad = (why: string) =>
      new ConfigError(
        APPROVAL_SETTING,
        `${APPROVAL_SETTING} must be CURRENCY:AMOUNT pairs in major units, comma-separated (e.g. USD:5000,EUR:5000); "${entry.slice(0, 30)}" ${why}`,
      );
    if (!match) throw bad('is not one');
    const code = match[1]!.toUpperCase();
    let exponent: number;
    try {
      exponent = currencyExponent(code);
    } catch {
      throw bad('names no ISO 4217 currency');
    }
    const fraction = match[3] ?? '';
    if (fraction.length > exponent) throw bad(`has more decimals than ${code} has (${exponent})`);
    if (limits.has(code)) throw bad(`repeats ${code}`);
    // Exact: the digits are joined as text and read as one integer of minor units.
    limits.set(code, Number(BigInt(match[2]! + fraction.padEnd(exponent, '0'))));
  }
  return limits;
}
