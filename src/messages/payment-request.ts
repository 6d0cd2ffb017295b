/**
 * A payment request in Slack: the living message (link, amount in words and digits, who asked, state), the
 * approval message a second admin answers, the replies in its thread (paid, failed, cancelled, expired), and
 * the list. Pure builders; each version of a message gets its own block ids (UX bar 6) so a click on an old
 * copy is recognised.
 */
import { formatMoney } from '../money.ts';
import type { PaymentRequest, PaymentRequestState } from '../store/ports/payment-requests.ts';
import { amountInWords } from './amount-words.ts';
import {
  actions,
  type Block,
  button,
  confirmDialog,
  context,
  fields,
  packLines,
  type SlackMessage,
  safe,
  section,
  slackDate,
} from './blocks.ts';

export const PAYMENT_ACTIONS = {
  cancel: 'payment_cancel',
  approve: 'payment_approve',
  reject: 'payment_reject',
  open: 'payment_open_link',
  share: 'payment_share',
  homeRequest: 'home_request_payment',
} as const;

/** What a button carries: the request and the state its message showed (an older copy is detected). */
export function paymentButtonValue(request: PaymentRequest): string {
  return `${request.id}:${request.state}`;
}

export function parsePaymentButtonValue(value: string | undefined): { id: string; state: string } | null {
  const match = /^(pr_[a-z0-9]{1,40}):([a-z_]{1,20})$/.exec(value ?? '');
  return match ? { id: match[1]!, state: match[2]! } : null;
}

const STATE_WORDS: Readonly<Record<PaymentRequestState, string>> = {
  awaiting_approval: ':hourglass: Waiting for a second admin to approve',
  rejected: ':no_entry: Rejected',
  creating: ':hourglass: Creating the payment link',
  open: ':large_blue_circle: Open: waiting for payment',
  paid: ':white_check_mark: Paid',
  cancelled: ':x: Cancelled: the link no longer takes payments',
  expired: ':clock3: Expired: the link no longer takes payments',
  failed: ':warning: Not created: Stripe refused',
};

export function stateWords(request: PaymentRequest): string {
  const base = STATE_WORDS[request.state];
  if (request.state === 'paid' && request.received !== null && request.received < request.amount)
    return ':warning: Partly paid';
  return base;
}

/** `1,250.00 EUR (one thousand two hundred fifty EUR and 00/100)`. */
export function amountLine(request: Pick<PaymentRequest, 'amount' | 'currency'>): string {
  return `*${formatMoney(request.amount, request.currency)}* (${amountInWords(request.amount, request.currency)})`;
}

function summary(request: PaymentRequest): string {
  return `Payment request ${request.id}: ${formatMoney(request.amount, request.currency)} for ${request.description.slice(0, 100)}`;
}

/** The request's living message: the link while it can be paid, its state always, Cancel while open. */
export function paymentRequestMessage(request: PaymentRequest): SlackMessage {
  const blocks: Block[] = [
    section(`:money_with_wings: *Payment request* · ${amountLine(request)}`),
    fields([
      ['For', safe(request.description, 500)],
      ['Asked by', `<@${request.requestedBy}>`],
      ['State', stateWords(request)],
      ['Via', `${safe(request.connection, 60)} (Stripe)`],
    ]),
  ];
  if (request.decidedBy && request.needsApproval)
    blocks.push(context(`Approved by <@${request.decidedBy}> (above the approval limit).`));
  if (request.url && request.state === 'open') {
    blocks.push(section(`*Link to send:* <${request.url}|${safe(request.url, 300)}>`));
    // Slack has no copy button: the link again as plain text, one tap to select on every client.
    blocks.push(context(`Copy: \`${safe(request.url, 300)}\``));
    blocks.push(
      actions(
        [
          button('Open Link', PAYMENT_ACTIONS.open, request.id, { url: request.url }),
          // In a DM nobody else sees it: Share in Channel posts a copy where the team is.
          ...(/^[UW]/.test(request.channel)
            ? [button('Share in Channel', PAYMENT_ACTIONS.share, paymentButtonValue(request))]
            : []),
          button('Cancel Request', PAYMENT_ACTIONS.cancel, paymentButtonValue(request), {
            style: 'danger',
            confirm: confirmDialog(
              'Cancel this payment request?',
              `The link for ${formatMoney(request.amount, request.currency)} stops taking payments at once. This cannot be undone.`,
              'Cancel Request',
              'Keep It',
            ),
          }),
        ],
        `payment:${request.id}:${request.state}`,
      ),
    );
  } else if (request.stateReason) blocks.push(context(safe(request.stateReason, 500)));
  blocks.push(context(`finsync request \`${request.id}\` · asked ${slackDate(request.createdAt)}`));
  return { text: `${summary(request)} (${stateWords(request).replace(/^:[a-z0-9_]+: /, '')})`, blocks };
}

/** A copy of an open request posted in a channel by Share in Channel: the link and amount, no buttons. */
export function sharedRequestMessage(request: PaymentRequest, sharedBy: string): SlackMessage {
  const blocks: Block[] = [
    section(`:money_with_wings: *Payment request* · ${amountLine(request)}`),
    fields([
      ['For', safe(request.description, 500)],
      ['Asked by', `<@${request.requestedBy}>`],
    ]),
    ...(request.url ? [section(`*Link to send:* <${request.url}|${safe(request.url, 300)}>`)] : []),
    context(`Shared by <@${sharedBy}> · finsync request \`${request.id}\``),
  ];
  return { text: `${summary(request)} (shared by <@${sharedBy}>)`, blocks };
}

/** What a second admin sees before any link exists: the full amount and description, Approve / Reject. */
export function paymentApprovalMessage(request: PaymentRequest, limit: number): SlackMessage {
  const blocks: Block[] = [
    section(
      `:raised_hand: *Approval needed* · <@${request.requestedBy}> asks for ${amountLine(request)}, above the limit of ${formatMoney(limit, request.currency)}.`,
    ),
    section(`*For:* ${safe(request.description, 2000)}`),
    context(`Another admin must approve: the person who asked cannot. finsync request \`${request.id}\`.`),
    actions(
      [
        button('Approve', PAYMENT_ACTIONS.approve, paymentButtonValue(request), { style: 'primary' }),
        button('Reject', PAYMENT_ACTIONS.reject, paymentButtonValue(request), {
          style: 'danger',
          confirm: confirmDialog(
            'Reject this payment request?',
            `No link is created for ${formatMoney(request.amount, request.currency)}.`,
            'Reject',
            'Back',
          ),
        }),
      ],
      `payment-approval:${request.id}:${request.state}`,
    ),
  ];
  return { text: `Approval needed: ${summary(request)}`, blocks };
}

/** The approval message once decided: who decided, no buttons. */
export function paymentDecisionMessage(request: PaymentRequest): SlackMessage {
  const approved = request.state !== 'rejected' && request.state !== 'cancelled';
  const verdict = approved
    ? `:white_check_mark: Approved by <@${request.decidedBy}>`
    : request.state === 'rejected'
      ? `:no_entry: Rejected by <@${request.decidedBy}>`
      : ':x: Cancelled before approval';
  return {
    text: `${approved ? 'Approved' : request.state === 'rejected' ? 'Rejected' : 'Cancelled'}: ${summary(request)}`,
    blocks: [
      section(`${verdict} · <@${request.requestedBy}> asked for ${amountLine(request)}`),
      section(`*For:* ${safe(request.description, 2000)}`),
      context(`finsync request \`${request.id}\``),
    ],
  };
}

/** The reply in the request's thread when money arrived: received, Stripe's fee, net, when. */
export function paymentPaidReply(request: PaymentRequest): SlackMessage {
  const received = request.received ?? request.amount;
  const c = request.currency;
  const partial = received < request.amount;
  const head = partial
    ? `:warning: *Partly paid:* received ${formatMoney(received, c)} of ${formatMoney(request.amount, c)} (${formatMoney(request.amount - received, c)} missing)`
    : `:white_check_mark: *Paid:* received ${formatMoney(received, c)}`;
  const settled = request.settlementCurrency ?? c;
  const converted = settled !== c ? ` (Stripe converted it: settled in ${settled})` : '';
  const money =
    request.fee !== null && request.net !== null
      ? `Stripe fee ${formatMoney(request.fee, settled)} · net ${formatMoney(request.net, settled)}${converted}`
      : 'Stripe has not reported the fee yet';
  const when = request.paidAt ? slackDate(request.paidAt) : 'just now';
  return {
    text: `${partial ? 'Partly paid' : 'Paid'}: ${formatMoney(received, c)} received, ${money.toLowerCase()}`,
    blocks: [section(`${head}\n${money} · ${when}`)],
  };
}

export function paymentFailedReply(request: PaymentRequest, at: string): SlackMessage {
  const text = `A payment of ${formatMoney(request.amount, request.currency)} was attempted and failed (${slackDate(at)}). The link still takes payments.`;
  return { text: `Payment failed: ${summary(request)}`, blocks: [section(`:x: *Payment failed.* ${text}`)] };
}

/** A state change told in the thread: cancelled (by whom) or expired. */
export function paymentClosedReply(request: PaymentRequest): SlackMessage {
  const text =
    request.state === 'expired'
      ? ':clock3: *Expired.* The link no longer takes payments.'
      : `:x: *Cancelled*${request.decidedBy ? ` by <@${request.decidedBy}>` : ''}. The link no longer takes payments.`;
  return {
    text: `${request.state === 'expired' ? 'Expired' : 'Cancelled'}: ${summary(request)}`,
    blocks: [section(text)],
  };
}

/** One line per request, newest first (the command's answer and the Home tab). */
export function paymentRequestLine(request: PaymentRequest): string {
  const link = request.url && request.state === 'open' ? ` · <${request.url}|link>` : '';
  return `${stateWords(request)} · *${formatMoney(request.amount, request.currency)}* · ${safe(request.description, 80)} · <@${request.requestedBy}> · \`${request.id}\`${link}`;
}

export function paymentRequestsMessage(requests: readonly PaymentRequest[], filter: string): SlackMessage {
  if (requests.length === 0)
    return {
      text: `No ${filter === 'all' ? '' : `${filter} `}payment requests.`,
      blocks: [
        section(
          `No ${filter === 'all' ? '' : `${filter} `}payment requests. Ask for one with \`/finsync request 1250.00 EUR Invoice 42\`.`,
        ),
      ],
    };
  const title = `Payment requests (${filter}): ${requests.length}`;
  const { blocks, omitted } = packLines(requests.map(paymentRequestLine), 40);
  const more =
    omitted > 0
      ? [context(`${omitted} older requests not shown: \`npx finsync requests --json\` lists every one.`)]
      : [];
  return { text: title, blocks: [section(`*${title}*`), ...blocks, ...more] };
}

/** The answer to the person who asked, once the request's message is posted. */
export function requestPostedNotice(request: PaymentRequest, where: string): SlackMessage {
  const what =
    request.state === 'awaiting_approval'
      ? 'needs a second admin’s approval before any link exists; the approval request is posted'
      : request.state === 'open'
        ? 'is ready; the link is posted'
        : `is ${request.state}`;
  const text = `Payment request ${request.id} for ${formatMoney(request.amount, request.currency)} ${what} ${where}.`;
  return { text, blocks: [section(`:money_with_wings: ${safe(text, 1000)}`)] };
}
