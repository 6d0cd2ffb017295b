/**
 * The emulator's objects in Plaid's wire shapes, typed by the `plaid` package so they cannot drift from what
 * the official SDK expects.
 */
import type { AccountBase, Transaction } from 'plaid';
import { minorToDecimal } from '../../src/money.ts';
import type { EmuAccount, EmuTransaction } from './emulator-data.ts';

/** Plaid sends amounts as JSON numbers; Number("0.3") is the double whose shortest text is exactly "0.3". */
function wireAmount(minor: number, currency: string): number {
  return Number(minorToDecimal(minor, currency));
}

export function accountWire(a: EmuAccount): AccountBase {
  const money = (minor: number | null) => (minor === null ? null : wireAmount(minor, a.currency));
  return {
    account_id: a.id,
    balances: {
      available: money(a.available),
      current: money(a.current),
      limit: money(a.limit),
      iso_currency_code: a.currency,
      unofficial_currency_code: null,
    },
    mask: a.mask,
    name: a.name,
    official_name: a.officialName,
    type: a.type,
    subtype: a.subtype,
  };
}

export function transactionWire(t: EmuTransaction): Transaction {
  return {
    account_id: t.accountId,
    amount: wireAmount(t.minor, t.currency),
    iso_currency_code: t.currency,
    unofficial_currency_code: null,
    category: null,
    category_id: null,
    check_number: null,
    date: t.date,
    datetime: t.datetime,
    authorized_date: t.authorized?.date ?? t.date,
    authorized_datetime: t.authorized ? t.authorized.datetime : t.datetime,
    location: {
      address: null,
      city: null,
      region: null,
      postal_code: null,
      country: null,
      lat: null,
      lon: null,
      store_number: null,
    },
    name: t.name,
    merchant_name: t.merchantName,
    original_description: null,
    payment_meta: {
      reference_number: null,
      ppd_id: null,
      payee: null,
      by_order_of: null,
      payer: null,
      payment_method: null,
      payment_processor: null,
      reason: null,
    },
    pending: t.pending,
    pending_transaction_id: t.pendingTransactionId ?? null,
    account_owner: null,
    transaction_id: t.id,
    logo_url: null,
    website: null,
    payment_channel: t.channel,
    personal_finance_category: null,
    transaction_code: null,
    counterparties: [],
    merchant_entity_id: null,
  };
}
