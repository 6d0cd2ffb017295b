/**
 * The "Request a Payment" form: the amount is checked in the form (next to its field), then the request is
 * made from the view's id, so a double submit of one form is one request and one link.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { parsePaymentAmount } from '../../../commands/payment-amount.ts';
import { FinsyncError } from '../../../errors.ts';
import { requestPostedNotice } from '../../../messages/payment-request.ts';
import { PAYMENT_FIELDS } from '../../../messages/payment-request-modal.ts';
import { checkChannelAccess } from '../../../notify/channel-access.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function paymentRequestSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const values = view.state.values;
    const text = (block: string) => values[block]?.['value']?.value?.trim() ?? '';
    const amount = text(PAYMENT_FIELDS.amount);
    const currency = text(PAYMENT_FIELDS.currency) || undefined;
    const parsed = parsePaymentAmount(amount, currency);
    if (!parsed.ok) {
      const block =
        /currency/i.test(parsed.problem) && !/decimal/.test(parsed.problem)
          ? PAYMENT_FIELDS.currency
          : PAYMENT_FIELDS.amount;
      return void (await ack({
        response_action: 'errors',
        errors: { [block]: parsed.problem.replace(/[<>`]/g, '') },
      }));
    }
    const picked = values[PAYMENT_FIELDS.channel]?.['value']?.selected_conversation ?? null;
    let channel = body.user.id;
    if (picked) {
      const access = await checkChannelAccess(client, { id: picked, name: null });
      if (!access.ok)
        return void (await ack({
          response_action: 'errors',
          errors: {
            [PAYMENT_FIELDS.channel]:
              'finsync is not in that channel: invite it with /invite @finsync, or leave this empty for a DM.',
          },
        }));
      channel = picked;
    }
    try {
      const request = await deps.payments.request({
        actor: body.user.id,
        amountText: amount,
        currencyText: currency,
        description: text(PAYMENT_FIELDS.description),
        via: text(PAYMENT_FIELDS.via).toLowerCase() || null,
        channel,
        origin: `view:${view.id}`,
      });
      await ack({
        response_action: 'update',
        view: {
          type: 'modal',
          title: { type: 'plain_text', text: 'Request a Payment' },
          close: { type: 'plain_text', text: 'Done' },
          blocks: requestPostedNotice(request, picked ? `in <#${picked}>` : 'in your DM with finsync').blocks,
        },
      });
    } catch (error) {
      const message = error instanceof FinsyncError ? error.message : errorReply(error, deps.log).text;
      await ack({
        response_action: 'errors',
        errors: { [PAYMENT_FIELDS.description]: message.replace(/[<>]/g, '').slice(0, 2000) },
      });
      return;
    }
    await deps.publishHome(client, body.user.id);
  };
}
