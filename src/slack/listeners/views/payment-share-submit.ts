/** Share in Channel's form: a copy of the request in the chosen channel, if finsync can post there. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { FinsyncError } from '../../../errors.ts';
import { PAYMENT_SHARE_BLOCK } from '../../../messages/payment-request-modal.ts';
import { accessProblemText, checkChannelAccess } from '../../../notify/channel-access.ts';
import { readMetadata } from '../../private-metadata.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function paymentShareSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const refuse = (text: string) =>
      ack({
        response_action: 'errors',
        errors: { [PAYMENT_SHARE_BLOCK]: text.replace(/[<>`]/g, '').slice(0, 2000) },
      });
    const channel = view.state.values[PAYMENT_SHARE_BLOCK]?.['value']?.selected_conversation ?? null;
    if (!channel) return void (await refuse('Choose a channel.'));
    try {
      const access = await checkChannelAccess(client, { id: channel, name: null });
      if (!access.ok) return void (await refuse(accessProblemText(access)));
      await deps.payments.share(readMetadata(view.private_metadata)['request'] ?? '', body.user.id, channel);
      await ack();
    } catch (error) {
      await refuse(error instanceof FinsyncError ? error.message : errorReply(error, deps.log).text);
    }
  };
}
