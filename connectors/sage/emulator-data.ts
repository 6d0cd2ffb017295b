/**
 * The emulator's businesses and their objects: deterministic, generated from a seed size, changeable by tests
 * (create, update, delete) with `updated_at`/`deleted_at` from the emulator's clock. Objects are kept in
 * `updated_at` order per resource, so `updated_or_created_since` reads a tail. Amounts alternate between decimal
 * strings and number literals (NumberText), as Sage's responses do, including values a double cannot hold.
 */
import { NumberText } from './emulator-wire.ts';

export const RESOURCES = [
  'contact_payments',
  'other_payments',
  'bank_transfers',
  'bank_deposits',
  'sales_invoices',
  'purchase_invoices',
  'contacts',
  'bank_accounts',
  'ledger_accounts',
] as const;
export type Resource = (typeof RESOURCES)[number];

export type SageWireObject = Record<string, unknown> & { id: string; updated_at: string; created_at: string };

export interface BusinessSpec {
  readonly id: string;
  readonly name: string;
  readonly baseCurrency: string;
  /** Generated contact payments (the bench loads 50,000). Default 24. */
  readonly payments?: number;
}

interface Deleted {
  readonly id: string;
  readonly displayed_as: string;
  readonly deleted_at: string;
}

export class BusinessData {
  private readonly live = new Map<Resource, SageWireObject[]>();
  private readonly deleted = new Map<Resource, Deleted[]>();
  private seq = 0;

  constructor(
    readonly spec: BusinessSpec,
    private readonly now: () => number,
    startTime: number,
  ) {
    for (const r of RESOURCES) {
      this.live.set(r, []);
      this.deleted.set(r, []);
    }
    seed(this, startTime);
  }

  get id(): string {
    return this.spec.id;
  }

  /** Live objects of a resource, oldest `updated_at` first. */
  objects(resource: Resource): readonly SageWireObject[] {
    return this.live.get(resource)!;
  }

  deletions(resource: Resource): readonly Deleted[] {
    return this.deleted.get(resource)!;
  }

  /** Adds an object (fields as on the wire; amounts as strings or NumberText); returns its id. */
  add(resource: Resource, fields: Record<string, unknown>, at: number = this.now()): string {
    const id = typeof fields['id'] === 'string' ? fields['id'] : this.nextId(resource);
    const stamp = new Date(at).toISOString();
    const object: SageWireObject = {
      displayed_as: id,
      ...fields,
      id,
      $path: `/${resource}/${id}`,
      created_at: stamp,
      updated_at: stamp,
    };
    // Kept in updated_at order: an object added with an earlier time (a late commit) goes where it belongs.
    const list = this.live.get(resource)!;
    let at_ = list.length;
    while (at_ > 0 && Date.parse(list[at_ - 1]!.updated_at) > at) at_--;
    list.splice(at_, 0, object);
    return id;
  }

  /** Changes fields of an object and moves its `updated_at` to now. */
  update(resource: Resource, id: string, fields: Record<string, unknown>): void {
    const list = this.live.get(resource)!;
    const index = list.findIndex((o) => o.id === id);
    if (index < 0) throw new Error(`no ${resource} ${id}`);
    const [object] = list.splice(index, 1);
    list.push({ ...object!, ...fields, id, updated_at: new Date(this.now()).toISOString() });
  }

  /** Deletes an object: gone from lists, shown by `deleted_since`. */
  remove(resource: Resource, id: string): void {
    const list = this.live.get(resource)!;
    const index = list.findIndex((o) => o.id === id);
    if (index < 0) throw new Error(`no ${resource} ${id}`);
    const [object] = list.splice(index, 1);
    this.deleted.get(resource)!.push({
      id,
      displayed_as: String(object!['displayed_as'] ?? id),
      deleted_at: new Date(this.now()).toISOString(),
    });
  }

  nextId(resource: Resource): string {
    this.seq++;
    return `${this.spec.id.slice(0, 8)}${resource.slice(0, 4)}${String(this.seq).padStart(8, '0')}`;
  }
}

const ref = (id: string, displayed_as: string) => ({ id, displayed_as, $path: `/${id}` });

/** Amount `cents` of a 2-decimal currency as Sage might send it: a string, or a number literal every other time. */
export function wireAmount(cents: number, asNumber: boolean): string | NumberText {
  const negative = cents < 0;
  const digits = String(Math.abs(cents)).padStart(3, '0');
  const text = `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  return asNumber ? new NumberText(text) : text;
}

const PAYMENT_TYPES = [
  ['CUSTOMER_RECEIPT', 'Customer Receipt'],
  ['SUPPLIER_PAYMENT', 'Supplier Payment'],
  ['CUSTOMER_REFUND', 'Customer Refund'],
  ['SUPPLIER_REFUND', 'Supplier Refund'],
] as const;

function seed(data: BusinessData, startTime: number): void {
  const { baseCurrency } = data.spec;
  const currency = ref(baseCurrency, baseCurrency);
  let t = startTime;
  const tick = () => (t += 1000);
  const day = (i: number) => new Date(startTime + i * 86_400_000).toISOString().slice(0, 10);
  const bank1 = data.add(
    'bank_accounts',
    { displayed_as: 'Current Account (1200)', balance: wireAmount(1_250_075, false), currency },
    tick(),
  );
  const bank2 = data.add(
    'bank_accounts',
    { displayed_as: 'Savings (1210)', balance: wireAmount(500_000, true), currency },
    tick(),
  );
  data.add(
    'bank_accounts',
    { displayed_as: 'Cash in Hand (1230)', balance: wireAmount(-1_005, false), currency },
    tick(),
  );
  for (const [code, name] of [
    ['1200', 'Current'],
    ['4000', 'Sales Type A'],
    ['5000', 'Cost of sales - goods'],
    ['7100', 'Rent and rates'],
  ] as const)
    data.add(
      'ledger_accounts',
      { displayed_as: `${name} (${code})`, nominal_code: new NumberText(code) },
      tick(),
    );
  const customer = data.add(
    'contacts',
    { displayed_as: 'Acme Retail (ACME001)', contact_types: [ref('CUSTOMER', 'Customer')] },
    tick(),
  );
  const supplier = data.add(
    'contacts',
    { displayed_as: 'Paper Supplies Ltd (PAP001)', contact_types: [ref('VENDOR', 'Supplier')] },
    tick(),
  );
  const bank = ref(bank1, 'Current Account (1200)');
  const count = data.spec.payments ?? 24;
  for (let i = 0; i < count; i++) {
    const [type, typeName] = PAYMENT_TYPES[i % PAYMENT_TYPES.length]!;
    const isCustomer = type.startsWith('CUSTOMER');
    data.add(
      'contact_payments',
      {
        displayed_as: `${typeName} ${i + 1}`,
        transaction_type: ref(type, typeName),
        contact: isCustomer
          ? ref(customer, 'Acme Retail (ACME001)')
          : ref(supplier, 'Paper Supplies Ltd (PAP001)'),
        bank_account: bank,
        date: day(29 - (i % 30)),
        total_amount: wireAmount(1_000 + ((i * 7_919) % 500_000), i % 2 === 0),
        currency,
        reference: `PAY-${i + 1}`,
      },
      tick(),
    );
  }
  data.add(
    'other_payments',
    {
      displayed_as: 'Rent',
      transaction_type: ref('OTHER_PAYMENT', 'Other Payment'),
      bank_account: bank,
      date: day(3),
      total_amount: wireAmount(150_000, true),
      currency,
      reference: 'RENT-JAN',
    },
    tick(),
  );
  data.add(
    'other_payments',
    {
      displayed_as: 'Grant',
      transaction_type: ref('OTHER_RECEIPT', 'Other Receipt'),
      bank_account: bank,
      date: day(4),
      total_amount: wireAmount(20_000, false),
      currency,
      reference: 'GRANT',
    },
    tick(),
  );
  data.add(
    'bank_transfers',
    {
      displayed_as: 'To savings',
      transaction_type: ref('BANK_TRANSFER', 'Bank Transfer'),
      from_bank_account: bank,
      to_bank_account: ref(bank2, 'Savings (1210)'),
      date: day(5),
      amount: wireAmount(100_000, true),
      reference: 'SAVE',
    },
    tick(),
  );
  data.add(
    'bank_deposits',
    {
      displayed_as: 'Cheques paid in',
      transaction_type: ref('BANK_DEPOSIT', 'Bank Deposit'),
      to_bank_account: bank,
      date: day(6),
      cash_amount: wireAmount(0, false),
      cheque_amount: wireAmount(35_000, false),
      total_amount: wireAmount(35_000, true),
      reference: 'DEP-1',
    },
    tick(),
  );
  data.add(
    'sales_invoices',
    {
      displayed_as: 'SI-1',
      invoice_number: 'SI-1',
      contact: ref(customer, 'Acme Retail (ACME001)'),
      date: day(1),
      total_amount: wireAmount(120_050, false),
      outstanding_amount: wireAmount(0, true),
      status: ref('PAID', 'Paid'),
      currency,
    },
    tick(),
  );
  data.add(
    'sales_invoices',
    {
      displayed_as: 'SI-2',
      invoice_number: 'SI-2',
      contact: ref(customer, 'Acme Retail (ACME001)'),
      date: day(2),
      total_amount: wireAmount(9_999, true),
      outstanding_amount: wireAmount(9_999, true),
      status: ref('UNPAID', 'Unpaid'),
      currency,
    },
    tick(),
  );
  data.add(
    'purchase_invoices',
    {
      displayed_as: 'PI-1',
      vendor_reference: 'INV-889',
      contact: ref(supplier, 'Paper Supplies Ltd (PAP001)'),
      date: day(2),
      total_amount: wireAmount(4_320, false),
      status: ref('UNPAID', 'Unpaid'),
      currency,
    },
    tick(),
  );
}
