/**
 * How the emulator's objects change as its clock moves, as at Stripe, each change recorded with the event
 * Stripe would send (emulator-events.ts):
 * - a charge's balance transaction is pending until `available_on` (2 days), then available
 *   (`balance.available`, whose object is the balance);
 * - a payout is pending for an hour, in_transit until its arrival date (2 days), then paid (`payout.updated`,
 *   `payout.paid`), or, when a test asks for it, failed (`payout.failed`) with a `payout_failure` balance
 *   transaction that returns the money;
 * - a refund a test creates is pending, then succeeded or failed (`charge.refund.updated`, `refund.updated`),
 *   a failure with a `refund_failure` balance transaction; seeded refunds succeed at once;
 * - a dispute a test opens withdraws the amount and fee (a balance transaction with reporting category
 *   `dispute`), needs a response, is under review half-way, then won or lost (`charge.dispute.*`); a won
 *   dispute is reinstated by a `dispute_reversal` balance transaction.
 * Object states are functions of time (`…At(index, t)`), so an event's `data.object` is the object at the
 * event's second. `advanceTo` records what happened since the last call, in time order.
 */
import { type Dataset, KIND, type ListName } from './emulator-data.ts';
import type { EventLog, EventTarget } from './emulator-events.ts';

const DAY = 86_400;
export const CHARGE_FUNDS_HELD_SECONDS = 2 * DAY;
export const PAYOUT_SUBMITTED_AFTER_SECONDS = 3_600;
export const PAYOUT_ARRIVES_AFTER_SECONDS = 2 * DAY;

export type PayoutOutcome = 'paid' | 'failed';
export type RefundOutcome = 'succeeded' | 'failed';
export type DisputeOutcome = 'won' | 'lost';

interface PayoutPlan {
  readonly submitAt: number;
  readonly settleAt: number;
  readonly outcome: PayoutOutcome;
  failureIndex?: number;
}
interface RefundPlan {
  readonly settleAt: number;
  readonly outcome: RefundOutcome;
  failureIndex?: number;
}
interface DisputePlan {
  readonly reviewAt: number;
  readonly closeAt: number;
  readonly outcome: DisputeOutcome;
  reversalIndex?: number;
}

interface Due {
  readonly at: number;
  readonly order: number;
  readonly run: () => void;
}

export class Lifecycle {
  private readonly payouts = new Map<number, PayoutPlan>();
  private readonly refunds = new Map<number, RefundPlan>();
  private readonly disputes = new Map<number, DisputePlan>();
  private readonly disputeOfCharge = new Map<number, number>();
  private processedUntil: number;

  constructor(
    private readonly data: Dataset,
    private readonly events: EventLog,
    startSeconds: number,
  ) {
    this.processedUntil = startSeconds;
  }

  // State at a second `t`.

  availableOn(index: number): number {
    const created = this.data.createdOf(index);
    return this.data.kindOf(index) === KIND.charge ? created + CHARGE_FUNDS_HELD_SECONDS : created;
  }

  payoutPlan(index: number): PayoutPlan {
    const planned = this.payouts.get(index);
    if (planned) return planned;
    const created = this.data.createdOf(index);
    return {
      submitAt: created + PAYOUT_SUBMITTED_AFTER_SECONDS,
      settleAt: created + PAYOUT_ARRIVES_AFTER_SECONDS,
      outcome: 'paid',
    };
  }

  payoutStatusAt(index: number, t: number): 'pending' | 'in_transit' | PayoutOutcome {
    const plan = this.payoutPlan(index);
    if (t < plan.submitAt) return 'pending';
    return t < plan.settleAt ? 'in_transit' : plan.outcome;
  }

  /** The payout_failure balance transaction's index, once the payout failed. */
  payoutFailureAt(index: number, t: number): number | undefined {
    return this.payoutStatusAt(index, t) === 'failed' ? this.payouts.get(index)?.failureIndex : undefined;
  }

  refundStatusAt(index: number, t: number): 'pending' | RefundOutcome {
    const plan = this.refunds.get(index);
    if (!plan) return 'succeeded';
    return t < plan.settleAt ? 'pending' : plan.outcome;
  }

  refundFailureAt(index: number, t: number): number | undefined {
    return this.refundStatusAt(index, t) === 'failed' ? this.refunds.get(index)?.failureIndex : undefined;
  }

  disputeOfChargeAt(chargeIndex: number, t: number): number | undefined {
    const dispute = this.disputeOfCharge.get(chargeIndex);
    return dispute !== undefined && this.data.createdOf(dispute) <= t ? dispute : undefined;
  }

  disputePlan(index: number): DisputePlan | undefined {
    return this.disputes.get(index);
  }

  disputeStatusAt(index: number, t: number): 'needs_response' | 'under_review' | DisputeOutcome {
    const plan = this.disputes.get(index);
    if (!plan) return 'needs_response';
    if (t < plan.reviewAt) return 'needs_response';
    return t < plan.closeAt ? 'under_review' : plan.outcome;
  }

  /** The dispute's balance transactions at `t`: its withdrawal, and the reinstatement once won. */
  disputeTransactionsAt(index: number, t: number): number[] {
    const reversal = this.disputes.get(index)?.reversalIndex;
    return reversal !== undefined && this.disputeStatusAt(index, t) === 'won' ? [index, reversal] : [index];
  }

  // Objects a test creates at `t` (after the clock was brought to `t`).

  /** Creation events of seeded objects appended at `t` (addObjects). */
  recordCreations(indices: readonly number[]): void {
    for (const index of indices) this.recordCreation(index);
  }

  private recordCreation(index: number): void {
    const t = this.data.createdOf(index);
    const of = (list: ListName, at: number): EventTarget => ({ list, index: at });
    switch (this.data.kindOf(index)) {
      case KIND.charge:
        this.events.record(t, 'charge.succeeded', of('charges', index));
        return;
      case KIND.refund:
        this.events.record(t, 'refund.created', of('refunds', index));
        this.events.record(t, 'charge.refunded', of('charges', this.data.ref(index)));
        return;
      case KIND.payout:
        this.events.record(t, 'payout.created', of('payouts', index));
        return;
      case KIND.customer:
        this.events.record(t, 'customer.created', of('customers', index));
        return;
      case KIND.dispute:
        this.events.record(t, 'charge.dispute.created', of('disputes', index));
        this.events.record(t, 'charge.dispute.funds_withdrawn', of('disputes', index));
        return;
      default:
        return;
    }
  }

  createPayout(t: number, outcome: PayoutOutcome, settlesAfterSeconds: number): number {
    const index = this.data.appendLinked(KIND.payout, -1, t);
    const created = this.data.createdOf(index);
    const settleAt = created + Math.max(1, settlesAfterSeconds);
    this.payouts.set(index, {
      submitAt: Math.min(created + PAYOUT_SUBMITTED_AFTER_SECONDS, settleAt),
      settleAt,
      outcome,
    });
    this.recordCreation(index);
    return index;
  }

  /** A refund of `chargeIndex` (or of a new charge), pending until it settles. */
  createRefund(
    t: number,
    chargeIndex: number | undefined,
    outcome: RefundOutcome,
    settlesAfterSeconds: number,
  ): number {
    const charge = chargeIndex ?? this.createCharge(t);
    if (this.data.refundFor(charge) !== undefined) throw new Error('that charge is refunded already');
    const index = this.data.appendLinked(KIND.refund, charge, t);
    this.refunds.set(index, {
      settleAt: this.data.createdOf(index) + Math.max(1, settlesAfterSeconds),
      outcome,
    });
    this.recordCreation(index);
    return index;
  }

  /** A dispute of `chargeIndex` (or of a new charge), decided after `decidedAfterSeconds`. */
  openDispute(
    t: number,
    chargeIndex: number | undefined,
    outcome: DisputeOutcome,
    decidedAfterSeconds: number,
  ): number {
    const charge = chargeIndex ?? this.createCharge(t);
    if (this.disputeOfCharge.has(charge)) throw new Error('that charge is disputed already');
    const index = this.data.appendLinked(KIND.dispute, charge, t);
    const created = this.data.createdOf(index);
    const closeAt = created + Math.max(2, decidedAfterSeconds);
    this.disputes.set(index, { reviewAt: created + Math.floor((closeAt - created) / 2), closeAt, outcome });
    this.disputeOfCharge.set(charge, index);
    this.recordCreation(index);
    return index;
  }

  private createCharge(t: number): number {
    const index = this.data.appendLinked(KIND.charge, -1, t);
    this.recordCreation(index);
    return index;
  }

  // Time passing.

  /** Records every change due in (last call, t], oldest first. */
  advanceTo(t: number): void {
    const from = this.processedUntil;
    if (t <= from) return;
    this.processedUntil = t;
    const due: Due[] = [];
    const add = (at: number, run: () => void) => {
      if (at > from && at <= t) due.push({ at, order: due.length, run });
    };
    // Charges whose funds become available: one balance.available per second, as Stripe batches them.
    const availableSeconds = new Set<number>();
    const charges = this.data.count('charges');
    for (
      let p = this.data.firstAtOrAfter('charges', from - CHARGE_FUNDS_HELD_SECONDS + 1);
      p < charges;
      p++
    ) {
      const at = this.availableOn(this.data.indexAt('charges', p));
      if (at > t) break;
      availableSeconds.add(at);
    }
    for (const at of availableSeconds) {
      add(at, () => this.events.record(at, 'balance.available', { balance: true }));
    }
    const payouts = this.data.count('payouts');
    for (
      let p = this.data.firstAtOrAfter('payouts', from - PAYOUT_ARRIVES_AFTER_SECONDS + 1);
      p < payouts;
      p++
    ) {
      const index = this.data.indexAt('payouts', p);
      if (this.data.createdOf(index) > t) break;
      if (!this.payouts.has(index)) this.payoutChanges(index, add);
    }
    for (const index of this.payouts.keys()) this.payoutChanges(index, add);
    for (const [index, plan] of this.refunds) add(plan.settleAt, () => this.settleRefund(index, plan));
    for (const [index, plan] of this.disputes) {
      const target: EventTarget = { list: 'disputes', index };
      add(plan.reviewAt, () =>
        this.events.record(plan.reviewAt, 'charge.dispute.updated', target, { status: 'needs_response' }),
      );
      add(plan.closeAt, () => this.closeDispute(index, plan));
    }
    due.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const change of due) change.run();
  }

  private payoutChanges(index: number, add: (at: number, run: () => void) => void): void {
    const plan = this.payoutPlan(index);
    const target: EventTarget = { list: 'payouts', index };
    add(plan.submitAt, () =>
      this.events.record(plan.submitAt, 'payout.updated', target, { status: 'pending' }),
    );
    add(plan.settleAt, () => {
      const at = plan.settleAt;
      if (plan.outcome === 'failed') {
        const stored = this.payouts.get(index);
        if (stored) stored.failureIndex = this.data.appendLinked(KIND.payout_failure, index, at);
      }
      this.events.record(at, 'payout.updated', target, { status: 'in_transit' });
      this.events.record(at, plan.outcome === 'failed' ? 'payout.failed' : 'payout.paid', target);
    });
  }

  private settleRefund(index: number, plan: RefundPlan): void {
    const at = plan.settleAt;
    if (plan.outcome === 'failed') plan.failureIndex = this.data.appendLinked(KIND.refund_failure, index, at);
    const target: EventTarget = { list: 'refunds', index };
    this.events.record(at, 'charge.refund.updated', target, { status: 'pending' });
    this.events.record(at, 'refund.updated', target, { status: 'pending' });
  }

  private closeDispute(index: number, plan: DisputePlan): void {
    const at = plan.closeAt;
    const target: EventTarget = { list: 'disputes', index };
    if (plan.outcome === 'won') plan.reversalIndex = this.data.appendLinked(KIND.dispute_reversal, index, at);
    this.events.record(at, 'charge.dispute.closed', target, { status: 'under_review' });
    if (plan.outcome === 'won') this.events.record(at, 'charge.dispute.funds_reinstated', target);
  }
}
