/**
 * The emulator's data model: a deterministic timeline of Stripe events kept in compact typed arrays.
 * Event `i` is one creation at Stripe (a charge with its balance transaction, a refund, a payout, a fee,
 * an adjustment, a transfer or a customer). Everything else about it (amounts, currency, ids, texts) is
 * derived on demand from `hash(seed, i)`, so 100,000+ objects cost a few bytes each until they are listed.
 *
 * `created` never decreases with the index and ids embed the index at a fixed width, so Stripe's list
 * order (newest first by `created`, then id) is simply descending index order: listing is binary search.
 */
import { currencyStep, GrowableInts, hash, roundToStep } from './emulator-random.ts';

export const KIND = {
  charge: 0,
  refund: 1,
  payout: 2,
  fee: 3,
  adjustment: 4,
  transfer: 5,
  customer: 6,
  // Made by the emulator's lifecycle (emulator-lifecycle.ts), never by the seeded timeline:
  /** A dispute (ref: the charge) and its withdrawal balance transaction. */
  dispute: 7,
  /** The balance transaction that returns a failed payout's money (ref: the payout). */
  payout_failure: 8,
  /** The balance transaction that returns a failed refund's money (ref: the refund). */
  refund_failure: 9,
  /** The reinstatement of a won dispute (ref: the dispute). */
  dispute_reversal: 10,
} as const;
export type EventKind = (typeof KIND)[keyof typeof KIND];

export type ListName = 'balance_transactions' | 'charges' | 'refunds' | 'payouts' | 'customers' | 'disputes';

export const ID_PREFIX: Readonly<Record<ListName, string>> = {
  balance_transactions: 'txn',
  charges: 'ch',
  refunds: 're',
  payouts: 'po',
  customers: 'cus',
  disputes: 'dp',
};

export interface Money {
  readonly currency: string;
  /** Stripe's signed balance-transaction amount (positive credits the balance). */
  readonly signed: number;
  readonly fee: number;
}

/** Weighted currency choice; JPY is zero-decimal and KWD three-decimal (Stripe amounts there end in 0). */
const CURRENCIES = [
  'usd',
  'usd',
  'usd',
  'usd',
  'eur',
  'eur',
  'eur',
  'gbp',
  'jpy',
  'jpy',
  'kwd',
  'kwd',
] as const;

export interface DatasetOptions {
  readonly seed: number;
  /** Epoch seconds of the first event. */
  readonly startTime: number;
  /** Mean seconds between events; a quarter of events share their predecessor's second (ties by id). */
  readonly spacingSeconds: number;
}

export class Dataset {
  readonly seed: number;
  private readonly spacing: number;
  private readonly created = new GrowableInts();
  private readonly kinds = new GrowableInts();
  /** Charge → customer index (-1: none); refund → charge index. */
  private readonly refs = new GrowableInts();
  private readonly refundOf = new Map<number, number>();
  private readonly lists: Record<ListName, GrowableInts> = {
    balance_transactions: new GrowableInts(),
    charges: new GrowableInts(),
    refunds: new GrowableInts(),
    payouts: new GrowableInts(),
    customers: new GrowableInts(),
    disputes: new GrowableInts(),
  };
  private readonly balances = new Map<string, number>();
  private lastCreated: number;

  constructor(options: DatasetOptions) {
    this.seed = options.seed >>> 0;
    this.spacing = Math.max(1, options.spacingSeconds);
    this.lastCreated = options.startTime;
  }

  get eventCount(): number {
    return this.created.length;
  }

  get latestCreated(): number {
    return this.lastCreated;
  }

  count(list: ListName): number {
    return this.lists[list].length;
  }

  kindOf(index: number): EventKind {
    return this.kinds.at(index) as EventKind;
  }

  createdOf(index: number): number {
    return this.created.at(index);
  }

  ref(index: number): number {
    return this.refs.at(index);
  }

  refundFor(chargeIndex: number): number | undefined {
    return this.refundOf.get(chargeIndex);
  }

  balanceTotals(): ReadonlyMap<string, number> {
    return this.balances;
  }

  /**
   * Appends events until `balanceTransactions` more balance transactions exist. Times follow the seeded
   * gaps, or all sit at `atSecond` when given (never earlier than the newest event, so order holds).
   */
  append(balanceTransactions: number, atSecond?: number): number[] {
    const added: number[] = [];
    while (added.length < balanceTransactions) {
      const index = this.created.length;
      const h = hash(this.seed, index, 1);
      const gap = h % 4 === 0 || index === 0 ? 0 : 1 + ((h >>> 2) % (2 * this.spacing));
      const second = atSecond === undefined ? this.lastCreated + gap : Math.max(this.lastCreated, atSecond);
      const kind = this.pickKind(index);
      this.created.push(second);
      this.kinds.push(kind);
      this.refs.push(this.pickRef(index, kind));
      this.lastCreated = second;
      if (this.register(index, kind)) added.push(index);
    }
    return added;
  }

  /**
   * Appends one entry of a chosen kind and reference at `atSecond` (never earlier than the newest entry): what
   * the lifecycle creates (a payout, a refund of a given charge, a dispute, a failure's balance transaction).
   */
  appendLinked(kind: EventKind, ref: number, atSecond: number): number {
    const index = this.created.length;
    const second = Math.max(this.lastCreated, atSecond);
    this.created.push(second);
    this.kinds.push(kind);
    this.refs.push(ref);
    this.lastCreated = second;
    if (kind === KIND.refund) this.refundOf.set(ref, index);
    this.register(index, kind);
    return index;
  }

  /** Files a new entry in its lists and the balance; false for a customer (not a balance transaction). */
  private register(index: number, kind: EventKind): boolean {
    if (kind === KIND.customer) {
      this.lists.customers.push(index);
      return false;
    }
    this.lists.balance_transactions.push(index);
    if (kind === KIND.charge) this.lists.charges.push(index);
    if (kind === KIND.refund) this.lists.refunds.push(index);
    if (kind === KIND.payout) this.lists.payouts.push(index);
    if (kind === KIND.dispute) this.lists.disputes.push(index);
    const money = this.money(index);
    this.balances.set(money.currency, (this.balances.get(money.currency) ?? 0) + money.signed - money.fee);
    return true;
  }

  private pickKind(index: number): EventKind {
    const roll = hash(this.seed, index, 2) % 100;
    if (index === 0 || roll < 15) return KIND.customer;
    if (roll < 25) return this.unrefundedCharge(index) === undefined ? KIND.charge : KIND.refund;
    if (roll < 31) return KIND.payout;
    if (roll < 36) return KIND.fee;
    if (roll < 39) return KIND.adjustment;
    if (roll < 43) return KIND.transfer;
    return KIND.charge;
  }

  /** A recent charge not refunded yet (each charge is refunded at most once, fully or partly). */
  private unrefundedCharge(index: number): number | undefined {
    const charges = this.lists.charges;
    if (charges.length === 0) return undefined;
    const back = hash(this.seed, index, 3) % Math.min(40, charges.length);
    for (let p = charges.length - 1 - back; p >= 0 && p >= charges.length - 60; p--) {
      const candidate = charges.at(p);
      if (!this.refundOf.has(candidate)) return candidate;
    }
    return undefined;
  }

  private pickRef(index: number, kind: EventKind): number {
    if (kind === KIND.refund) {
      const charge = this.unrefundedCharge(index)!;
      this.refundOf.set(charge, index);
      return charge;
    }
    if (kind === KIND.charge) {
      const customers = this.lists.customers;
      const h = hash(this.seed, index, 4);
      if (customers.length === 0 || h % 5 === 0) return -1;
      return customers.at(customers.length - 1 - ((h >>> 3) % Math.min(customers.length, 200)));
    }
    return -1;
  }

  currencyOf(index: number): string {
    const kind = this.kindOf(index);
    if (kind === KIND.refund || kind >= KIND.dispute) return this.currencyOf(this.ref(index));
    return CURRENCIES[hash(this.seed, index, 5) % CURRENCIES.length]!;
  }

  /** Positive gross amount of a charge in minor units. */
  chargeAmount(index: number): number {
    const currency = this.currencyOf(index);
    const h = hash(this.seed, index, 6);
    if (currency === 'jpy') return 50 + (h % 300_000);
    if (currencyStep(currency) === 10) return (10 + (h % 60_000)) * 10;
    return 50 + (h % 250_000);
  }

  /** Stripe's processing fee: 2.9% + 30 minor units (3.6% for JPY), rounded to the currency's step. */
  chargeFee(index: number): number {
    const amount = this.chargeAmount(index);
    const currency = this.currencyOf(index);
    if (currency === 'jpy') return Math.round((amount * 36) / 1000);
    return roundToStep(
      Math.round((amount * 29) / 1000) + 30 * currencyStep(currency),
      currencyStep(currency),
    );
  }

  /** Positive refund amount: the whole charge or half of it. */
  refundAmount(index: number): number {
    const charge = this.ref(index);
    const full = this.chargeAmount(charge);
    const step = currencyStep(this.currencyOf(charge));
    return hash(this.seed, index, 7) % 2 === 0 ? full : roundToStep(full / 2, step);
  }

  money(index: number): Money {
    const currency = this.currencyOf(index);
    const step = currencyStep(currency);
    const h = hash(this.seed, index, 8);
    switch (this.kindOf(index)) {
      case KIND.charge:
        return { currency, signed: this.chargeAmount(index), fee: this.chargeFee(index) };
      case KIND.refund:
        return { currency, signed: -this.refundAmount(index), fee: 0 };
      case KIND.payout:
        return { currency, signed: -(1_000 + (h % 2_000_000)) * step, fee: 0 };
      case KIND.fee:
        return { currency, signed: -(100 + (h % 5_000)) * step, fee: 0 };
      case KIND.adjustment:
        return { currency, signed: (h % 2 === 0 ? 1 : -1) * (100 + ((h >>> 1) % 50_000)) * step, fee: 0 };
      case KIND.transfer:
        return { currency, signed: -(500 + (h % 100_000)) * step, fee: 0 };
      case KIND.dispute:
        // The disputed amount and Stripe's dispute fee (15.00 in the charge's currency's units).
        return { currency, signed: -this.chargeAmount(this.ref(index)), fee: 1_500 * step };
      case KIND.dispute_reversal:
        return { currency, signed: this.chargeAmount(this.ref(this.ref(index))), fee: 0 };
      case KIND.payout_failure:
        return { currency, signed: -this.money(this.ref(index)).signed, fee: 0 };
      case KIND.refund_failure:
        return { currency, signed: this.refundAmount(this.ref(index)), fee: 0 };
      default:
        return { currency, signed: 0, fee: 0 };
    }
  }

  /** Fixed-width id: the base-36 index keeps lexical order equal to creation order within a resource. */
  idOf(list: ListName | 'tr' | 'acct', index: number): string {
    const prefix = list === 'tr' || list === 'acct' ? list : ID_PREFIX[list];
    let suffix = '';
    for (let salt = 20; suffix.length < 14; salt++)
      suffix += hash(this.seed, index, salt).toString(36).slice(0, 5);
    const mixed = suffix
      .slice(0, 14)
      .replace(/[a-z]/g, (c, at: number) => (hash(this.seed, index, at) % 2 ? c.toUpperCase() : c));
    return `${prefix}_1Em${index.toString(36).padStart(7, '0')}${mixed}`;
  }

  /** The index behind an id of `list`, or undefined when no such object exists. */
  indexOf(list: ListName, id: string): number | undefined {
    const prefix = `${ID_PREFIX[list]}_1Em`;
    if (!id.startsWith(prefix) || id.length !== prefix.length + 21) return undefined;
    const index = Number.parseInt(id.slice(prefix.length, prefix.length + 7), 36);
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.created.length) return undefined;
    if (this.idOf(list, index) !== id) return undefined;
    const position = this.positionOf(list, index);
    return position === undefined ? undefined : index;
  }

  /** Position of an event index inside a resource list (lists are ascending), or undefined. */
  positionOf(list: ListName, index: number): number | undefined {
    const values = this.lists[list];
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values.at(mid) < index) lo = mid + 1;
      else hi = mid;
    }
    return lo < values.length && values.at(lo) === index ? lo : undefined;
  }

  /** First position in `list` whose event was created at or after `second`. */
  firstAtOrAfter(list: ListName, second: number): number {
    const values = this.lists[list];
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.created.at(values.at(mid)) < second) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  indexAt(list: ListName, position: number): number {
    return this.lists[list].at(position);
  }
}
