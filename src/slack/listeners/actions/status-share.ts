/**
 * "Share in Channel" under a status reply: posts the current status to the channel for everyone, through
 * the outbox like every other post. Whether finsync can post there is asked first, so the person learns at
 * once how to invite it instead of the post failing later.
 */
import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import { notice } from '../../../messages/help.ts';
import { statusMessage } from '../../../messages/status.ts';
import { accessProblemText, checkChannelAccess } from '../../../notify/channel-access.ts';
import { ephemeral, errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function statusShare(deps: SlackDeps) {
  return async ({
    ack,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    // Clicks from a modal or the Home tab have no response_url: nothing to answer there but the log.
    const answer = async (message: Parameters<RespondFn>[0]) => {
      if (respond) await respond(message);
      else deps.log.info('status share without a response_url', { userId: body.user.id });
    };
    try {
      if (!channel) throw new Error('no channel on a status share click');
      const access = await checkChannelAccess(client, { id: channel, name: body.channel?.name ?? null });
      if (!access.ok) {
        await answer(ephemeral(notice(':information_source:', accessProblemText(access))));
        return;
      }
      const message = statusMessage(await deps.finsync.status(), { shareable: false });
      // One share per click: the trigger id names the click (a replayed click is dropped earlier).
      await deps.outbox.enqueue({
        key: `share:status:${body.trigger_id}`,
        channel,
        method: 'chat.postMessage',
        args: { text: `${message.text} (shared by <@${body.user.id}>)`, blocks: message.blocks },
      });
      await answer({ delete_original: true });
    } catch (error) {
      await answer(ephemeral(errorReply(error, deps.log)));
    }
  };
}
