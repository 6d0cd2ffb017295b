/** The normalized ledger: one shape for every provider's data (CONVENTIONS.md, "Records"). */

export const RECORD_KINDS = [
  'transaction',
  'charge',
  'refund',
  'payout',
  'fee',
  'adjustment',
  'transfer',
  'invoice',
  'payment',
  'deposit',
  'purchase',
  'customer',
  'supplier',
  'account',
  'balance',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface LedgerRecord {
  /** Stable across syncs: `<provider>:<stream>:<external id>`. */
  readonly id: string;
  readonly connection: string;
  readonly provider: string;
  readonly stream: string;
  readonly kind: RecordKind;
  /** Integer minor units of `currency`; positive = money into the business. 0 for non-money records. */
  readonly amount: number;
  /** ISO 4217, upper case; null for records that carry no money (customers). */
  readonly currency: string | null;
  /** ISO 8601 UTC. */
  readonly occurredAt: string;
  readonly description: string;
  readonly counterparty: string | null;
  readonly status: string;
  /**
   * True for the one record that represents a movement of money. Where a provider shows the same money
   * through two streams (a Stripe charge and its balance transaction), only one of them is true, so totals
   * summed over `moneyMovement` records count each movement once.
   */
  readonly moneyMovement: boolean;
  /** Where the raw object lives at the provider: its object type and id. */
  readonly raw: { readonly type: string; readonly id: string };
}

/** What a stream's normalizer returns: a record without the connection, which the engine adds. */
export type RecordDraft = Omit<LedgerRecord, 'connection'>;

/**
 * The draft as the connection's record. Every field is written out: spreading the draft was a measurable cost
 * per record on the sync path (it runs for every record of a full load).
 */
export function ledgerRecord(draft: RecordDraft, connection: string): LedgerRecord {
  return {
    id: draft.id,
    connection,
    provider: draft.provider,
    stream: draft.stream,
    kind: draft.kind,
    amount: draft.amount,
    currency: draft.currency,
    occurredAt: draft.occurredAt,
    description: draft.description,
    counterparty: draft.counterparty,
    status: draft.status,
    moneyMovement: draft.moneyMovement,
    raw: draft.raw,
  };
}

export function recordId(provider: string, stream: string, externalId: string): string {
  return `${provider}:${stream}:${externalId}`;
}

/** A normalizer's answer as a list: one provider object may be several records (a charge and its fee). */
export function draftsOf(normalized: RecordDraft | readonly RecordDraft[]): readonly RecordDraft[] {
  return Array.isArray(normalized) ? normalized : [normalized as RecordDraft];
}
