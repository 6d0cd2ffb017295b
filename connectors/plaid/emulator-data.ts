/**
 * Deterministic sample data for the Plaid emulator: institutions, one item's accounts and its transactions.
 * Money is kept in integer minor units and turned into Plaid's decimal JSON numbers only on the wire
 * (emulator-wire.ts), so the emulator itself never does floating-point arithmetic on amounts.
 */
import {
  AccountSubtype,
  AccountType,
  CountryCode,
  type Institution,
  Products,
  TransactionPaymentChannelEnum,
} from 'plaid';

export const SANDBOX_INSTITUTIONS: Readonly<Record<string, string>> = {
  ins_109508: 'First Platypus Bank',
  ins_109509: 'First Gingham Credit Union',
  ins_109510: 'Tattersall Federal Credit Union',
  ins_109511: 'Tartan Bank',
  ins_109512: 'Houndstooth Bank',
};

export function institutionWire(institutionId: string): Institution | undefined {
  const name = SANDBOX_INSTITUTIONS[institutionId];
  if (name === undefined) return undefined;
  return {
    institution_id: institutionId,
    name,
    products: [Products.Auth, Products.Balance, Products.Transactions],
    country_codes: [CountryCode.Us],
    url: null,
    primary_color: null,
    logo: null,
    routing_numbers: [],
    dtc_numbers: [],
    oauth: false,
  };
}

export interface EmuAccount {
  readonly id: string;
  readonly name: string;
  readonly officialName: string | null;
  readonly mask: string;
  readonly type: AccountType;
  readonly subtype: AccountSubtype;
  readonly currency: string;
  /** Minor units, as Plaid reports them: for credit and loan accounts `current` is the amount owed. */
  readonly current: number;
  readonly available: number | null;
  readonly limit: number | null;
}

export interface EmuTransaction {
  readonly id: string;
  readonly accountId: string;
  /** Minor units with Plaid's sign: positive = money leaving the account. */
  readonly minor: number;
  readonly currency: string;
  readonly name: string;
  readonly merchantName: string | null;
  readonly date: string;
  readonly datetime: string | null;
  readonly pending: boolean;
  readonly channel: TransactionPaymentChannelEnum;
  /** On a posted transaction that replaced a pending one: the pending one's id (Plaid's `pending_transaction_id`). */
  readonly pendingTransactionId?: string | null;
  /** When it was authorized, if not at `date`/`datetime`: a posted transaction's pending date and time. */
  readonly authorized?: { readonly date: string; readonly datetime: string | null };
}

type AccountRow = readonly [
  suffix: string,
  name: string,
  mask: string,
  type: AccountType,
  subtype: AccountSubtype,
  currency: string,
  current: number,
  available: number | null,
  limit: number | null,
];

/** USD (incl. a credit card, whose `current` is the amount owed), a zero-decimal JPY and a three-decimal KWD account. */
const ACCOUNTS: readonly AccountRow[] = [
  [
    'checking',
    'Plaid Checking',
    '0000',
    AccountType.Depository,
    AccountSubtype.Checking,
    'USD',
    11030,
    10010,
    null,
  ],
  [
    'savings',
    'Plaid Saving',
    '1111',
    AccountType.Depository,
    AccountSubtype.Savings,
    'USD',
    21020,
    20020,
    null,
  ],
  [
    'credit',
    'Plaid Credit Card',
    '3333',
    AccountType.Credit,
    AccountSubtype.CreditCard,
    'USD',
    41029,
    null,
    200000,
  ],
  [
    'yen',
    'Tokyo Checking',
    '4444',
    AccountType.Depository,
    AccountSubtype.Checking,
    'JPY',
    152340,
    152340,
    null,
  ],
  [
    'dinar',
    'Kuwait Checking',
    '5555',
    AccountType.Depository,
    AccountSubtype.Checking,
    'KWD',
    1234567,
    1200005,
    null,
  ],
];

export function generateAccounts(itemNumber: number): EmuAccount[] {
  return ACCOUNTS.map(([suffix, name, mask, type, subtype, currency, current, available, limit]) => ({
    id: `acc-${itemNumber}-${suffix}`,
    name,
    officialName: `${name} Account`,
    mask,
    type,
    subtype,
    currency,
    current,
    available,
    limit,
  }));
}

/**
 * Amounts that break naive float handling (19.99 * 100 = 1998.9999999999998, 0.1 + 0.2 ≠ 0.3, 1.005 * 1000 < 1005),
 * in USD, JPY and KWD, then two pending card payments from yesterday (a restaurant bill that will post with a
 * tip, a hotel hold that will post lower), always generated first so tests can look for them by id.
 */
const FIXED: ReadonlyArray<
  readonly [suffix: string, minor: number, name: string, merchant: string | null, pending?: 'pending']
> = [
  ['checking', 10, 'Blue Bottle Coffee', 'Blue Bottle'],
  ['checking', 20, 'Gumball machine', null],
  ['checking', 30, 'Parking meter', 'City Parking'],
  ['checking', 1999, 'Spotify Premium', 'Spotify'],
  ['checking', 435, 'Bakery', null],
  ['checking', 115, 'Bus fare', 'Metro Transit'],
  ['checking', 29, 'Vending machine', null],
  ['checking', -123456, 'ACME PAYROLL DIRECT DEP', null],
  ['savings', -1234567890, 'Transfer from brokerage', null],
  ['credit', 8999, 'Office Depot', 'Office Depot'],
  ['credit', -50000, 'CREDIT CARD PAYMENT - THANK YOU', null],
  ['yen', 1500, 'Tokyo Metro', 'Tokyo Metro'],
  ['yen', -250000, 'Salary', null],
  ['yen', 3, 'Rounding fee', null],
  ['dinar', 1005, 'Kuwait Airways', 'Kuwait Airways'],
  ['dinar', 125, 'Souq Sharq', null],
  ['dinar', -12345, 'Refund', null],
  ['dinar', 1, 'Bank fee', null],
  ['checking', 4250, 'CORNER BISTRO', 'Corner Bistro', 'pending'],
  ['checking', 30000, 'GRAND HOTEL DEPOSIT', 'Grand Hotel', 'pending'],
];

const MERCHANTS = ['Uber', 'Starbucks', 'Amazon', 'Delta', 'Walmart', 'Whole Foods', 'Shell', 'AWS', 'Slack'];
const CHANNELS = [
  TransactionPaymentChannelEnum.InStore,
  TransactionPaymentChannelEnum.Online,
  TransactionPaymentChannelEnum.Other,
];
/** Typical magnitude of a purchase, in each currency's minor units. */
const SCALE: Readonly<Record<string, number>> = { USD: 20_000, JPY: 30_000, KWD: 60_000 };

/** Mulberry32: a tiny seeded generator, so the same seed always yields the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates transactions number `from` (0-based) to `from + count - 1` of an item, deterministically. */
export function generateTransactions(
  itemNumber: number,
  accounts: readonly EmuAccount[],
  from: number,
  count: number,
  random: () => number,
  today: string,
): EmuTransaction[] {
  const out: EmuTransaction[] = [];
  for (let n = from; n < from + count; n++) {
    const id = `txn-${itemNumber}-${String(n).padStart(5, '0')}`;
    const fixed = FIXED[n];
    if (fixed) {
      const [suffix, minor, name, merchantName, pending] = fixed;
      const acct = accounts.find((a) => a.id.endsWith(`-${suffix}`)) ?? accounts[0]!;
      const date = pending ? daysBefore(today, 1) : daysBefore(today, 3 + n);
      const datetime = n % 2 === 0 ? `${date}T15:30:00Z` : null;
      out.push({
        id,
        accountId: acct.id,
        minor,
        currency: acct.currency,
        name,
        merchantName,
        date,
        datetime,
        pending: pending === 'pending',
        channel: CHANNELS[n % 3]!,
      });
      continue;
    }
    const acct = accounts[Math.floor(random() * accounts.length)]!;
    const magnitude = 1 + Math.floor(random() * (SCALE[acct.currency] ?? 20_000));
    const minor = random() < 0.15 ? -magnitude : magnitude;
    const merchant = MERCHANTS[Math.floor(random() * MERCHANTS.length)]!;
    const age = Math.floor(random() * 60);
    const pending = age < 3 && random() < 0.5;
    const date = daysBefore(today, age);
    const hour = String(Math.floor(random() * 24)).padStart(2, '0');
    const datetime = random() < 0.5 ? `${date}T${hour}:05:00Z` : null;
    const merchantName = random() < 0.3 ? null : merchant;
    const name = merchantName === null ? `${merchant.toUpperCase()} *${n}` : `${merchant} ${n}`;
    out.push({
      id,
      accountId: acct.id,
      minor,
      currency: acct.currency,
      name,
      merchantName,
      date,
      datetime,
      pending,
      channel: CHANNELS[n % 3]!,
    });
  }
  return out;
}

export function daysBefore(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - days);
  return at.toISOString().slice(0, 10);
}
