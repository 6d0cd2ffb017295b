/**
 * The emulator's entities in QuickBooks Online's JSON shapes (element names from Intuit's XSD data model,
 * checked by test/connectors/quickbooks/conformance.test.ts when ../shared is present).
 */
import type { RealmData } from './emulator-data.ts';
import type { CustomerState, EntityName, EntityState, InvoiceState, PaymentState } from './emulator-types.ts';
import { currencyRef, intuitTime, wireAmount } from './emulator-wire.ts';

/** Units of the home currency per unit of foreign currency, in millionths (a fixed, made-up rate card). */
const RATES_MICRO: Readonly<Record<string, number>> = {
  USD: 1_000_000,
  EUR: 1_080_000,
  GBP: 1_270_000,
  JPY: 6_700,
  KWD: 3_250_000,
  CAD: 730_000,
};

export function entityJson(
  realm: RealmData,
  entity: EntityName,
  state: EntityState,
): Record<string, unknown> {
  if (entity === 'Customer') return customerJson(realm, state as CustomerState);
  if (entity === 'Invoice') return invoiceJson(realm, state as InvoiceState);
  return paymentJson(realm, state as PaymentState);
}

/** How CDC reports a deleted entity: only its id and when it was deleted. */
export function deletedJson(state: EntityState): Record<string, unknown> {
  return {
    domain: 'QBO',
    status: 'Deleted',
    Id: state.id,
    MetaData: { LastUpdatedTime: intuitTime(state.deletedAt ?? state.updatedAt) },
  };
}

function header(state: EntityState): Record<string, unknown> {
  return {
    domain: 'QBO',
    sparse: false,
    Id: state.id,
    SyncToken: String(state.syncToken),
    MetaData: { CreateTime: intuitTime(state.createdAt), LastUpdatedTime: intuitTime(state.updatedAt) },
  };
}

function customerJson(realm: RealmData, c: CustomerState): Record<string, unknown> {
  const balance = wireAmount(realm.customerBalance(c.id), c.currency);
  return {
    Taxable: false,
    Job: false,
    BillWithParent: false,
    Balance: balance,
    BalanceWithJobs: balance,
    CurrencyRef: currencyRef(c.currency),
    PreferredDeliveryMethod: 'Print',
    ...header(c),
    FullyQualifiedName: c.displayName,
    CompanyName: c.displayName,
    DisplayName: c.displayName,
    PrintOnCheckName: c.displayName,
    Active: c.active,
    PrimaryEmailAddr: { Address: `billing${c.id}@example.com` },
  };
}

function customerRef(realm: RealmData, id: string): { value: string; name: string } {
  const c = realm.customers.get(id);
  return { value: id, name: c?.displayName ?? '' };
}

/** Multi-currency companies add the rate and home-currency totals to every transaction. */
function exchange(realm: RealmData, currency: string, minor: number, field: string): Record<string, unknown> {
  if (!realm.multiCurrency) return {};
  const home = realm.spec.homeCurrency;
  const rate = RATES_MICRO[currency]! / RATES_MICRO[home]!;
  return {
    ExchangeRate: Math.round(rate * 1_000_000) / 1_000_000,
    [field]: Math.round(wireAmount(minor, currency) * rate * 100) / 100,
  };
}

function invoiceJson(realm: RealmData, inv: InvoiceState): Record<string, unknown> {
  const total = realm.totalOf(inv);
  const payments = realm.paymentsOf(inv.id);
  return {
    AllowIPNPayment: false,
    AllowOnlinePayment: false,
    AllowOnlineCreditCardPayment: false,
    AllowOnlineACHPayment: false,
    ...header(inv),
    CustomField: [],
    DocNumber: inv.docNumber,
    TxnDate: inv.txnDate,
    CurrencyRef: currencyRef(inv.currency),
    ...exchange(realm, inv.currency, total, 'HomeTotalAmt'),
    LinkedTxn: payments.map((p) => ({ TxnId: p.id, TxnType: 'Payment' })),
    Line: [
      ...inv.lines.map((minor, k) => ({
        Id: String(k + 1),
        LineNum: k + 1,
        Description: 'Consulting services',
        Amount: wireAmount(minor, inv.currency),
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: {
          ItemRef: { value: '1', name: 'Services' },
          UnitPrice: wireAmount(minor, inv.currency),
          Qty: 1,
          TaxCodeRef: { value: 'NON' },
        },
      })),
      { Amount: wireAmount(total, inv.currency), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
    ],
    TxnTaxDetail: { TotalTax: 0 },
    CustomerRef: customerRef(realm, inv.customerId),
    DueDate: inv.dueDate,
    TotalAmt: wireAmount(total, inv.currency),
    PrintStatus: 'NeedToPrint',
    EmailStatus: 'NotSet',
    Balance: wireAmount(realm.balanceOf(inv), inv.currency),
  };
}

function paymentJson(realm: RealmData, p: PaymentState): Record<string, unknown> {
  return {
    CustomerRef: customerRef(realm, p.customerId),
    DepositToAccountRef: { value: '4' },
    TotalAmt: wireAmount(p.totalMinor, p.currency),
    UnappliedAmt: wireAmount(p.totalMinor - p.appliedMinor, p.currency),
    ProcessPayment: false,
    ...header(p),
    TxnDate: p.txnDate,
    CurrencyRef: currencyRef(p.currency),
    // Payment has an exchange rate but, unlike Invoice, no HomeTotalAmt in Intuit's data model.
    ...(realm.multiCurrency
      ? { ExchangeRate: exchange(realm, p.currency, p.totalMinor, 'HomeTotalAmt')['ExchangeRate'] }
      : {}),
    PaymentRefNum: `PMT-${p.id}`,
    Line:
      p.invoiceId && p.appliedMinor > 0
        ? [
            {
              Amount: wireAmount(p.appliedMinor, p.currency),
              LinkedTxn: [{ TxnId: p.invoiceId, TxnType: 'Invoice' }],
            },
          ]
        : [],
  };
}

export function companyInfoJson(realm: RealmData, createdAt: number): Record<string, unknown> {
  return {
    CompanyName: realm.spec.companyName,
    LegalName: `${realm.spec.companyName}`,
    CompanyAddr: { Id: '1', Line1: '123 Sierra Way', City: 'San Pablo', CountrySubDivisionCode: 'CA' },
    Country: 'US',
    Email: { Address: 'books@example.com' },
    FiscalYearStartMonth: 'January',
    SupportedLanguages: 'en',
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '4',
    MetaData: { CreateTime: intuitTime(createdAt), LastUpdatedTime: intuitTime(createdAt) },
  };
}

/** Preferences carry the home currency (CompanyInfo does not). */
export function preferencesJson(realm: RealmData, createdAt: number): Record<string, unknown> {
  return {
    CurrencyPrefs: {
      MultiCurrencyEnabled: realm.multiCurrency,
      HomeCurrency: currencyRef(realm.spec.homeCurrency),
    },
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '2',
    MetaData: { CreateTime: intuitTime(createdAt), LastUpdatedTime: intuitTime(createdAt) },
  };
}
