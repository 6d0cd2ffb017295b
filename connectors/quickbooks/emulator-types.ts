/**
 * The emulator's compact state of one company's entities: money in integer minor units of the entity's
 * currency, times in ms. Shared by emulator-data.ts (which mutates it) and emulator-entities.ts (which
 * renders it as Intuit's JSON), and the seed material of generated companies.
 */
export const ENTITY_NAMES = ['Customer', 'Invoice', 'Payment'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

export interface RealmSpec {
  readonly realmId: string;
  readonly companyName: string;
  readonly homeCurrency: string;
  /** Customers' currencies, cycled; any currency other than the home one makes the company multi-currency. */
  readonly currencies?: readonly string[];
  readonly customers?: number;
  readonly invoices?: number;
  readonly payments?: number;
  readonly seed?: number;
}

interface Meta {
  readonly id: string;
  readonly createdAt: number;
  updatedAt: number;
  syncToken: number;
  deletedAt: number | null;
}
export interface CustomerState extends Meta {
  displayName: string;
  currency: string;
  active: boolean;
}
export interface InvoiceState extends Meta {
  customerId: string;
  docNumber: string;
  txnDate: string;
  dueDate: string;
  currency: string;
  /** Line amounts in minor units; TotalAmt is their exact sum. */
  lines: number[];
}
export interface PaymentState extends Meta {
  customerId: string;
  invoiceId: string | null;
  txnDate: string;
  currency: string;
  totalMinor: number;
  /** The part applied to `invoiceId`; the rest is UnappliedAmt. */
  appliedMinor: number;
}
export type EntityState = CustomerState | InvoiceState | PaymentState;

/** Fields tests may set on create/update; amounts are decimal text in the currency's units ("0.1", "12.345"). */
export interface EntityInput {
  readonly realmId?: string;
  readonly displayName?: string;
  readonly currency?: string;
  readonly active?: boolean;
  readonly customerId?: string;
  /** Invoice: one line per amount. */
  readonly amounts?: readonly string[];
  /** Payment: its total. */
  readonly amount?: string;
  readonly invoiceId?: string | null;
}

/** Amounts whose naive float handling goes wrong (0.1 + 0.2, 4.35 × 100, 1.005 …): the first invoices use them. */
export const TRICKY_AMOUNTS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  USD: [['0.1', '0.2'], ['4.35'], ['1.15'], ['19.99', '0.01'], ['0.29'], ['1234.56', '0.07']],
  EUR: [['0.1', '0.2'], ['8.2']],
  KWD: [['12.345'], ['1.005', '0.001'], ['0.1', '0.2']],
  JPY: [['1500'], ['99', '1']],
};

export const CUSTOMER_NAMES = [
  "Amy's Bird Sanctuary",
  "Bill's Windsurf Shop",
  'Cool Cars',
  'Diego Rodriguez',
  'Dukes Basketball Camp',
  'Freeman Sporting Goods',
  'Geeta Kalapatapu',
  "Jeff's Jalopies",
  'Kookies by Kathy',
  'Paulsen Medical Supplies',
  'Red Rock Diner',
  'Sushi by Katsuyuki',
];
