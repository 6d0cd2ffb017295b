/**
 * The emulator's PayPal account: transaction rows as Transaction Search reports them, with what the real
 * service does that a connector must cope with: rows that become visible late (up to three hours after they
 * happened), a transaction id shared by a balance-affecting and a non-balance-affecting row, statuses that
 * change (P → S or V, with a newer `transaction_updated_date`), dates written `+0000` and `+00:00`, JPY with
 * no decimals and TND with three. Amounts are kept as integer minor units and written as PayPal's strings.
 */
import { currencyExponent, minorToDecimal } from '../../src/money.ts';

export type StatusCode = 'D' | 'P' | 'S' | 'V' | 'F';
export type DateStyle = '+0000' | '+00:00' | 'Z';

export interface RowInput {
  readonly transactionId?: string;
  readonly eventCode?: string;
  readonly currency?: string;
  /** Signed minor units of `currency`. */
  readonly amount: number;
  /** Signed minor units (a fee taken is negative); absent: no fee. */
  readonly fee?: number;
  readonly status?: StatusCode;
  readonly initiatedAt: number;
  readonly balanceAffecting?: boolean;
  /** When Transaction Search starts showing it (default: at once). */
  readonly visibleAt?: number;
  readonly subject?: string;
  readonly payerName?: string;
  readonly payerEmail?: string;
  readonly dateStyle?: DateStyle;
}

export interface StoredRow {
  readonly transactionId: string;
  eventCode: string;
  readonly currency: string;
  readonly amount: number;
  readonly fee: number | undefined;
  status: StatusCode;
  readonly initiatedAt: number;
  updatedAt: number;
  readonly balanceAffecting: boolean;
  visibleAt: number;
  readonly subject: string | undefined;
  readonly payerName: string | undefined;
  readonly payerEmail: string | undefined;
  readonly dateStyle: DateStyle;
}

/** A 17-character id of PayPal's alphabet ([A-Z0-9]), unique per sequence number. */
export function transactionIdFor(seq: number): string {
  return `7${seq.toString(36).toUpperCase().padStart(16, '0')}`;
}

export function formatPayPalDate(ms: number, style: DateStyle): string {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  return style === 'Z' ? `${iso}Z` : `${iso}${style}`;
}

function money(minor: number, currency: string): { currency_code: string; value: string } {
  currencyExponent(currency);
  return { currency_code: currency, value: minorToDecimal(minor, currency) };
}

/** A row as `transaction_detail` with `fields=all` (the parts finsync and a reader of the spec would expect). */
export function detailJson(row: StoredRow, accountId: string): Record<string, unknown> {
  const [given, ...rest] = (row.payerName ?? '').split(' ');
  return {
    transaction_info: {
      paypal_account_id: accountId,
      transaction_id: row.transactionId,
      transaction_event_code: row.eventCode,
      transaction_initiation_date: formatPayPalDate(row.initiatedAt, row.dateStyle),
      transaction_updated_date: formatPayPalDate(row.updatedAt, row.dateStyle),
      transaction_amount: money(row.amount, row.currency),
      ...(row.fee === undefined ? {} : { fee_amount: money(row.fee, row.currency) }),
      transaction_status: row.status,
      ...(row.subject ? { transaction_subject: row.subject } : {}),
      protection_eligibility: '02',
    },
    payer_info: {
      ...(row.payerEmail ? { email_address: row.payerEmail } : {}),
      address_status: 'Y',
      payer_status: 'Y',
      ...(row.payerName
        ? { payer_name: { given_name: given, surname: rest.join(' '), alternate_full_name: row.payerName } }
        : {}),
      country_code: 'US',
    },
    shipping_info: {},
    cart_info: {},
    store_info: {},
    auction_info: {},
    incentive_info: {},
  };
}

export class PayPalLedger {
  private readonly rows: StoredRow[] = [];
  private sorted = true;
  private seq = 0;

  add(input: RowInput, now: number): StoredRow {
    this.seq += 1;
    const row: StoredRow = {
      transactionId: input.transactionId ?? transactionIdFor(this.seq + 5_000_000),
      eventCode: input.eventCode ?? (input.amount >= 0 ? 'T0006' : 'T0400'),
      currency: input.currency ?? 'USD',
      amount: input.amount,
      fee: input.fee,
      status: input.status ?? 'S',
      initiatedAt: input.initiatedAt,
      updatedAt: Math.max(input.initiatedAt, Math.min(now, input.visibleAt ?? input.initiatedAt)),
      balanceAffecting: input.balanceAffecting ?? true,
      visibleAt: input.visibleAt ?? input.initiatedAt,
      subject: input.subject,
      payerName: input.payerName,
      payerEmail: input.payerEmail,
      dateStyle: input.dateStyle ?? (this.seq % 2 === 0 ? '+00:00' : '+0000'),
    };
    const last = this.rows.at(-1);
    if (last && last.initiatedAt > row.initiatedAt) this.sorted = false;
    this.rows.push(row);
    return row;
  }

  /** Rows with this transaction id (both of a balance-affecting/non-balance-affecting pair). */
  find(transactionId: string): StoredRow[] {
    return this.rows.filter((row) => row.transactionId === transactionId);
  }

  /** Changes a row's status (every row of the id unless `balanceAffecting` picks one) and stamps the update. */
  setStatus(transactionId: string, status: StatusCode, now: number, balanceAffecting?: boolean): number {
    let changed = 0;
    for (const row of this.find(transactionId)) {
      if (balanceAffecting !== undefined && row.balanceAffecting !== balanceAffecting) continue;
      row.status = status;
      row.updatedAt = Math.max(now, row.updatedAt + 1000);
      changed++;
    }
    return changed;
  }

  /** Visible rows initiated in [start, end], oldest first (PayPal's order). */
  query(start: number, end: number, balanceOnly: boolean, now: number): StoredRow[] {
    if (!this.sorted) {
      this.rows.sort((a, b) => a.initiatedAt - b.initiatedAt);
      this.sorted = true;
    }
    const from = lowerIndex(this.rows, start);
    const found: StoredRow[] = [];
    for (let i = from; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (row.initiatedAt > end) break;
      if (row.visibleAt > now || (balanceOnly && !row.balanceAffecting)) continue;
      found.push(row);
    }
    return found;
  }

  /** Balance per currency: successful and reversed rows net of fees are available, pending ones withheld. */
  balances(now: number): Map<string, { available: number; withheld: number }> {
    const totals = new Map<string, { available: number; withheld: number }>();
    for (const row of this.rows) {
      if (!row.balanceAffecting || row.visibleAt > now || row.status === 'D') continue;
      const entry = totals.get(row.currency) ?? { available: 0, withheld: 0 };
      const net = row.amount + (row.fee ?? 0);
      if (row.status === 'P') entry.withheld += net;
      else entry.available += net;
      totals.set(row.currency, entry);
    }
    return totals;
  }

  get size(): number {
    return this.rows.length;
  }
}

function lowerIndex(rows: readonly StoredRow[], start: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.initiatedAt < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra'];

/**
 * `count` deterministic rows spread over [startTime, startTime + spanMs): mostly USD payments received with
 * fees, some EUR, JPY and TND, refunds (negative, part of the fee given back), withdrawals to the bank, and
 * every tenth payment (i % 10 === 0) paired with a non-balance-affecting row of the same transaction id.
 */
export function generateRows(count: number, startTime: number, spanMs: number): RowInput[] {
  const rows: RowInput[] = [];
  const step = count > 0 ? Math.max(1000, Math.floor(spanMs / count)) : spanMs;
  for (let i = 0; i < count; i++) {
    const initiatedAt = Math.floor((startTime + i * step) / 1000) * 1000;
    const currency = i % 17 === 5 ? 'JPY' : i % 19 === 7 ? 'TND' : i % 5 === 3 ? 'EUR' : 'USD';
    const scale = 10 ** currencyExponent(currency);
    const payer = NAMES[i % NAMES.length]!;
    const email = `${payer.split(' ')[0]!.toLowerCase()}@example.com`;
    const base = ((i * 7919) % 50_000) + 100;
    const amount = currency === 'JPY' ? base : currency === 'TND' ? base * 10 + (i % 10) : base;
    if (i % 23 === 11) {
      rows.push({
        transactionId: transactionIdFor(i + 1),
        eventCode: 'T0400',
        currency,
        amount: -amount * 3,
        initiatedAt,
        subject: 'Withdrawal to bank',
      });
    } else if (i % 13 === 6) {
      rows.push({
        transactionId: transactionIdFor(i + 1),
        eventCode: 'T1107',
        currency,
        amount: -amount,
        fee: Math.floor(amount / 50),
        initiatedAt,
        payerName: payer,
        payerEmail: email,
        subject: 'Refund',
      });
    } else {
      const fee = -(Math.floor((amount * 29) / 1000) + Math.floor((30 * scale) / 100));
      const transactionId = transactionIdFor(i + 1);
      const payment = {
        transactionId,
        eventCode: 'T0006',
        currency,
        amount,
        initiatedAt,
        payerName: payer,
        payerEmail: email,
        subject: `Order ${1000 + i}`,
      };
      rows.push({ ...payment, fee });
      // PayPal's reporting may list a second, non-balance-affecting row under the same transaction id.
      if (i % 10 === 0) rows.push({ ...payment, balanceAffecting: false });
    }
  }
  return rows;
}
