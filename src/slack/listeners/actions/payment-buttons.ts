/**
 * The payment request's buttons: Approve and Reject (on the approval message) and Cancel Request (on the
 * request). Each acks first, checks the role in the service, acts once (the store's compare-and-set: a double
 * click or a second admin finds it decided and is told by whom), and tells a click on an outdated copy.
 * Answers go to the clicker only.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { type SlackMessage, section } from '../../../messages/blocks.ts';
import { notice } from '../../../messages/help.ts';
import { parsePaymentButtonValue, requestPostedNotice } from '../../../messages/payment-request.ts';
import { paymentShareModal } from '../../../messages/payment-request-modal.ts';
import { formatMoney } from '../../../money.ts';
import type { Decision } from '../../../services/payment-requests.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type Verb = 'approve' | 'reject' | 'cancel';

const WORDS: Readonly<Record<Verb, string>> = {
  approve: 'approved',
  reject: 'rejected',
  cancel: 'cancelled',
};

function already(decision: Decision, verb: Verb): SlackMessage {
  const r = decision.request;
  const by = r.decidedBy ? ` by <@${r.decidedBy}>` : '';
  // Built here rather than with notice(), which escapes text: the decider is a real mention.
  const text = `Nothing was ${WORDS[verb]}: request ${r.id} is already ${r.state.replace('_', ' ')}${r.state === 'open' || r.state === 'rejected' || r.state === 'cancelled' ? by : ''}.`;
  return { text, blocks: [section(`:information_source: ${text}`)] };
}

function paymentButton(deps: SlackDeps, verb: Verb) {
  return async ({ ack, action, body, respond, client }: ButtonArgs): Promise<void> => {
    await ack();
    const answer = async (message: SlackMessage) => {
      if (respond)
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: message.text,
          blocks: message.blocks,
        });
    };
    try {
      const ref = parsePaymentButtonValue(action.value);
      if (!ref) return answer(notice(':mag:', 'finsync has no record of this payment request.'));
      const decision =
        verb === 'approve'
          ? await deps.payments.approve(ref.id, body.user.id)
          : verb === 'reject'
            ? await deps.payments.reject(ref.id, body.user.id)
            : await deps.payments.cancel(ref.id, body.user.id);
      if (decision.kind === 'already') return answer(already(decision, verb));
      const where = decision.request.channel.startsWith('U')
        ? 'in a DM to the requester'
        : `in <#${decision.request.channel}>`;
      await answer(
        verb === 'approve'
          ? requestPostedNotice(decision.request, where)
          : notice(':white_check_mark:', `Request ${decision.request.id} ${WORDS[verb]}.`),
      );
      await deps.publishHome(client, body.user.id);
    } catch (error) {
      await answer(errorReply(error, deps.log));
    }
  };
}

export const paymentApprove = (deps: SlackDeps) => paymentButton(deps, 'approve');
export const paymentReject = (deps: SlackDeps) => paymentButton(deps, 'reject');
export const paymentCancel = (deps: SlackDeps) => paymentButton(deps, 'cancel');

/** Share in Channel (on a request living in a DM): the form that picks the channel. */
export function paymentShare(deps: SlackDeps) {
  return async ({ ack, action, body, client, respond }: ButtonArgs): Promise<void> => {
    await ack();
    try {
      const ref = parsePaymentButtonValue(action.value);
      const request = await deps.payments.get(ref?.id ?? '');
      const summary = `${formatMoney(request.amount, request.currency)} for ${request.description}`;
      await client.views.open({ trigger_id: body.trigger_id, view: paymentShareModal(request.id, summary) });
    } catch (error) {
      const message = errorReply(error, deps.log);
      if (respond) await respond({ response_type: 'ephemeral', replace_original: false, ...message });
    }
  };
}
