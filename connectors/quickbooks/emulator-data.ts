/**
 * One emulated QuickBooks company (realm): deterministic customers, invoices and payments held in compact
 * state (money in integer minor units, times in ms), plus the mutations tests use for incremental syncs.
 * JSON in Intuit's shapes is built on demand by emulator-entities.ts.
 */
import { decimalToMinor } from '../../src/money.ts';
import type {
  CustomerState,
  EntityInput,
  EntityName,
  EntityState,
  InvoiceState,
  PaymentState,
  RealmSpec,
} from './emulator-types.ts';
import { CUSTOMER_NAMES, TRICKY_AMOUNTS } from './emulator-types.ts';
import { hash, intuitDate } from './emulator-wire.ts';

export type { EntityInput, EntityName, RealmSpec } from './emulator-types.ts';
export { ENTITY_NAMES } from './emulator-types.ts';

const DAY_MS = 86_400_000;

export class RealmData {
  readonly customers = new Map<string, CustomerState>();
  readonly invoices = new Map<string, InvoiceState>();
  readonly payments = new Map<string, PaymentState>();
  private readonly nextId: Record<EntityName, number> = { Customer: 1, Invoice: 1001, Payment: 5001 };
  private readonly trickyUsed = new Map<string, number>();
  /** Sum of applied payments per invoice id. */
  private readonly applied = new Map<string, number>();
  private readonly seed: number;
  private balances: Map<string, number> | null = null;
  /** Payment ids applied to each invoice (its LinkedTxn). */
  private readonly links = new Map<string, Set<string>>();

  constructor(
    readonly spec: RealmSpec,
    startMs: number,
    private readonly now: () => number,
  ) {
    this.seed = spec.seed ?? Number(spec.realmId.slice(-6)) | 0;
    const currencies = spec.currencies ?? [spec.homeCurrency];
    const customers = Math.max(1, spec.customers ?? 10);
    for (let i = 0; i < customers; i++) {
      const name =
        CUSTOMER_NAMES[i % CUSTOMER_NAMES.length]! +
        (i >= CUSTOMER_NAMES.length ? ` ${Math.floor(i / CUSTOMER_NAMES.length) + 1}` : '');
      this.addCustomer(
        { displayName: name, currency: currencies[i % currencies.length]! },
        startMs + i * 1000,
      );
    }
    const customerIds = [...this.customers.keys()];
    const invoices = spec.invoices ?? 50;
    for (let j = 0; j < invoices; j++) {
      const customerId = customerIds[j % customerIds.length]!;
      this.addInvoice({ customerId }, startMs + DAY_MS + j * 60_000);
    }
    const invoiceIds = [...this.invoices.keys()];
    const payments = Math.min(spec.payments ?? 20, Math.ceil(invoiceIds.length / 2));
    for (let p = 0; p < payments; p++) {
      const invoice = this.invoices.get(invoiceIds[(p * 2) % invoiceIds.length]!)!;
      const balance = this.balanceOf(invoice);
      const minor = p % 2 === 0 ? balance : Math.floor(balance / 2);
      if (minor <= 0) continue;
      this.addPayment(
        { invoiceId: invoice.id, customerId: invoice.customerId },
        minor,
        invoice.createdAt + DAY_MS,
      );
    }
  }

  get multiCurrency(): boolean {
    return (this.spec.currencies ?? []).some((c) => c !== this.spec.homeCurrency);
  }

  /** Live (not deleted) entities of a kind in id order. */
  list(entity: EntityName): EntityState[] {
    return [...this.mapOf(entity).values()].filter((e) => e.deletedAt === null);
  }

  /** Every entity of a kind, deleted ones included (CDC needs both). */
  all(entity: EntityName): EntityState[] {
    return [...this.mapOf(entity).values()];
  }

  get(entity: EntityName, id: string): EntityState | undefined {
    return this.mapOf(entity).get(id);
  }

  /** Live payments applied to an invoice, in id order. */
  paymentsOf(invoiceId: string): PaymentState[] {
    return [...(this.links.get(invoiceId) ?? [])].map((id) => this.payments.get(id)!);
  }

  totalOf(invoice: InvoiceState): number {
    return invoice.lines.reduce((sum, line) => sum + line, 0);
  }

  balanceOf(invoice: InvoiceState): number {
    return Math.max(0, this.totalOf(invoice) - (this.applied.get(invoice.id) ?? 0));
  }

  /** A customer's open balance: the sum of its live invoices' balances (cached until the next change). */
  customerBalance(customerId: string): number {
    if (!this.balances) {
      this.balances = new Map();
      for (const invoice of this.invoices.values()) {
        if (invoice.deletedAt !== null) continue;
        const id = invoice.customerId;
        this.balances.set(id, (this.balances.get(id) ?? 0) + this.balanceOf(invoice));
      }
    }
    return this.balances.get(customerId) ?? 0;
  }

  create(entity: EntityName, input: EntityInput): EntityState {
    const at = this.now();
    if (entity === 'Customer') {
      return this.addCustomer(
        { displayName: input.displayName ?? `Customer ${this.nextId.Customer}`, currency: input.currency },
        at,
      );
    }
    const customerId = input.customerId ?? this.customers.keys().next().value!;
    this.customer(customerId);
    if (entity === 'Invoice') return this.addInvoice({ customerId, amounts: input.amounts }, at);
    const invoiceId = input.invoiceId ?? null;
    const currency = this.customer(customerId).currency;
    const minor = decimalToMinor(input.amount ?? '10', currency);
    return this.addPayment({ invoiceId, customerId }, minor, at);
  }

  update(entity: EntityName, id: string, input: EntityInput): EntityState {
    const state = this.get(entity, id);
    if (!state || state.deletedAt !== null) throw new Error(`no live ${entity} ${id}`);
    if (entity === 'Customer') {
      const c = state as CustomerState;
      if (input.displayName !== undefined) c.displayName = input.displayName;
      if (input.active !== undefined) c.active = input.active;
    } else if (entity === 'Invoice') {
      const inv = state as InvoiceState;
      if (input.amounts) inv.lines = input.amounts.map((a) => decimalToMinor(a, inv.currency));
    } else if (input.amount !== undefined) {
      const p = state as PaymentState;
      this.unapply(p);
      p.totalMinor = decimalToMinor(input.amount, p.currency);
      this.apply(p);
    }
    this.touch(state);
    return state;
  }

  /** QuickBooks cannot delete customers (only make them inactive); transactions can be deleted. */
  delete(entity: EntityName, id: string): void {
    if (entity === 'Customer')
      throw new Error('QuickBooks customers cannot be deleted: update active: false');
    const state = this.get(entity, id);
    if (!state || state.deletedAt !== null) throw new Error(`no live ${entity} ${id}`);
    if (entity === 'Payment') this.unapply(state as PaymentState);
    this.touch(state);
    state.deletedAt = state.updatedAt;
  }

  private addCustomer(
    input: { displayName: string; currency?: string | undefined },
    at: number,
  ): CustomerState {
    const id = String(this.nextId.Customer++);
    const state: CustomerState = {
      id,
      createdAt: at,
      updatedAt: at,
      syncToken: 0,
      deletedAt: null,
      displayName: input.displayName,
      currency: input.currency ?? this.spec.homeCurrency,
      active: true,
    };
    this.customers.set(id, state);
    return state;
  }

  private addInvoice(
    input: { customerId: string; amounts?: readonly string[] | undefined },
    at: number,
  ): InvoiceState {
    const id = String(this.nextId.Invoice++);
    const currency = this.customer(input.customerId).currency;
    const lines = input.amounts
      ? input.amounts.map((a) => decimalToMinor(a, currency))
      : this.generatedLines(currency, Number(id));
    const state: InvoiceState = {
      id,
      createdAt: at,
      updatedAt: at,
      syncToken: 0,
      deletedAt: null,
      customerId: input.customerId,
      docNumber: String(Number(id) + 36),
      txnDate: intuitDate(at),
      dueDate: intuitDate(at + 30 * DAY_MS),
      currency,
      lines,
    };
    this.invoices.set(id, state);
    this.balances = null;
    return state;
  }

  private addPayment(
    input: { invoiceId: string | null; customerId: string },
    minor: number,
    at: number,
  ): PaymentState {
    const id = String(this.nextId.Payment++);
    const state: PaymentState = {
      id,
      createdAt: at,
      updatedAt: at,
      syncToken: 0,
      deletedAt: null,
      customerId: input.customerId,
      invoiceId: input.invoiceId,
      txnDate: intuitDate(at),
      currency: this.customer(input.customerId).currency,
      totalMinor: minor,
      appliedMinor: 0,
    };
    this.apply(state);
    this.payments.set(id, state);
    return state;
  }

  /** The first invoices of each currency use the tricky amounts, the rest pseudo-random ones. */
  private generatedLines(currency: string, index: number): number[] {
    const used = this.trickyUsed.get(currency) ?? 0;
    const tricky = TRICKY_AMOUNTS[currency]?.[used];
    if (tricky) {
      this.trickyUsed.set(currency, used + 1);
      return tricky.map((a) => decimalToMinor(a, currency));
    }
    const count = 1 + (hash(this.seed, index, 1) % 3);
    return Array.from({ length: count }, (_, k) => 100 + (hash(this.seed, index, 10 + k) % 250_000));
  }

  /** Applies a payment to its invoice (at most the invoice's balance) and marks the invoice changed. */
  private apply(payment: PaymentState): void {
    const invoice = payment.invoiceId ? this.invoices.get(payment.invoiceId) : undefined;
    if (!invoice || invoice.deletedAt !== null) return;
    payment.appliedMinor = Math.min(payment.totalMinor, this.balanceOf(invoice));
    this.applied.set(invoice.id, (this.applied.get(invoice.id) ?? 0) + payment.appliedMinor);
    if (payment.appliedMinor > 0) {
      const linked = this.links.get(invoice.id) ?? new Set<string>();
      this.links.set(invoice.id, linked.add(payment.id));
    }
    this.touchAt(invoice, payment.updatedAt);
  }

  private unapply(payment: PaymentState): void {
    const invoice = payment.invoiceId ? this.invoices.get(payment.invoiceId) : undefined;
    if (!invoice || payment.appliedMinor === 0) return;
    this.applied.set(invoice.id, (this.applied.get(invoice.id) ?? 0) - payment.appliedMinor);
    this.links.get(invoice.id)?.delete(payment.id);
    payment.appliedMinor = 0;
    if (invoice.deletedAt === null) this.touch(invoice);
  }

  private touch(state: EntityState): void {
    this.touchAt(state, this.now());
  }

  private touchAt(state: EntityState, at: number): void {
    this.balances = null;
    state.updatedAt = Math.max(at, state.updatedAt);
    state.syncToken++;
  }

  private customer(id: string): CustomerState {
    const c = this.customers.get(id);
    if (!c) throw new Error(`no customer ${id} in realm ${this.spec.realmId}`);
    return c;
  }

  private mapOf(entity: EntityName): Map<string, EntityState> {
    if (entity === 'Customer') return this.customers;
    return entity === 'Invoice' ? this.invoices : this.payments;
  }
}
