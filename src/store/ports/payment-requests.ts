/**
 * The payment-requests port: requests for money made from Slack (Stripe Payment Links), with their state.
 * Every change of state is a compare-and-set (`transition` from the states it may leave), atomic across
 * processes sharing the store: of two processes told a request was paid, exactly one moves it to `paid`,
 * and only that one tells Slack.
 */

/**
 * - `awaiting_approval`: above the approval limit, no link exists yet; `rejected` ends it.
 * - `creating`: finsync is asking Stripe for the link (a crash here is resumed with the same idempotency key).
 * - `open`: the link exists and can be paid; then `paid`, `cancelled` (deactivated) or `expired`.
 * - `failed`: Stripe refused to create the link (the reason is kept).
 */
export type PaymentRequestState =
  | 'awaiting_approval'
  | 'rejected'
  | 'creating'
  | 'open'
  | 'paid'
  | 'cancelled'
  | 'expired'
  | 'failed';

export const PAYMENT_REQUEST_STATES: readonly PaymentRequestState[] = [
  'awaiting_approval',
  'rejected',
  'creating',
  'open',
  'paid',
  'cancelled',
  'expired',
  'failed',
];

export interface PaymentRequest {
  /** finsync's id (`pr_…`), derived from the Slack request that asked for it. */
  readonly id: string;
  /** The Stripe connection the link belongs to. */
  readonly connection: string;
  /** ISO 4217 minor units. */
  readonly amount: number;
  readonly currency: string;
  readonly description: string;
  readonly requestedBy: string;
  /** Where the request's message lives (a channel id, or the requester's user id for a DM). */
  readonly channel: string;
  readonly state: PaymentRequestState;
  /** Why the state is what it is, in words (Stripe's refusal, who cancelled…); null when nothing to say. */
  readonly stateReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Whether a second admin had to approve it (above FINSYNC_PAYMENT_APPROVAL_ABOVE). */
  readonly needsApproval: boolean;
  /** Who approved or rejected it, and when. */
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  /** Stripe's Payment Link id and URL, once created. */
  readonly linkId: string | null;
  readonly url: string | null;
  /** The Checkout Session that paid it, and what arrived (minor units of `currency`). */
  readonly paymentRef: string | null;
  readonly paidAt: string | null;
  readonly received: number | null;
  readonly fee: number | null;
  readonly net: number | null;
  /** The currency of `fee` and `net` when Stripe settled in another one than `currency`; absent: `currency`. */
  readonly settlementCurrency?: string | null;
}

export type PaymentRequestPatch = Partial<
  Omit<PaymentRequest, 'id' | 'connection' | 'amount' | 'currency' | 'state' | 'createdAt'>
>;

export interface PaymentRequestQuery {
  /** Only these states; all when absent. */
  readonly states?: readonly PaymentRequestState[];
  /** Newest first, at most this many. */
  readonly limit: number;
}

export interface PaymentRequestStore {
  /** Stores a new request; a request with the same id already stored wins and is returned (created false). */
  create(request: PaymentRequest): Promise<{ readonly created: boolean; readonly request: PaymentRequest }>;
  get(id: string): Promise<PaymentRequest | undefined>;
  /** The request whose Stripe Payment Link is `linkId`. */
  findByLink(linkId: string): Promise<PaymentRequest | undefined>;
  list(query: PaymentRequestQuery): Promise<readonly PaymentRequest[]>;
  /**
   * Moves the request to `to` with `patch` applied, only if its state now is one of `from`: the changed request,
   * or null when it is in another state (or unknown). Atomic across processes.
   */
  transition(
    id: string,
    from: readonly PaymentRequestState[],
    to: PaymentRequestState,
    patch?: PaymentRequestPatch,
  ): Promise<PaymentRequest | null>;
}
