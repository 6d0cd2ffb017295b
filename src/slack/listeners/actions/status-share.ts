/** "Share in Channel" under a status reply: posts the current status to the channel for everyone. */
import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ephemeral, errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';
import { notice } from '../../views/help.ts';
import { statusMessage } from '../../views/status.ts';

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
      const message = statusMessage(await deps.finsync.status(), { shareable: false });
      await client.chat.postMessage({
        channel,
        text: `${message.text} (shared by <@${body.user.id}>)`,
        blocks: message.blocks,
      });
      await answer({ delete_original: true });
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === 'not_in_channel' || code === 'channel_not_found') {
        await answer(
          ephemeral(
            notice(
              ':information_source:',
              'finsync is not in this channel, so it cannot post here. Invite it with `/invite @finsync`, then press Share again.',
            ),
          ),
        );
        return;
      }
      await answer(ephemeral(errorReply(error, deps.log)));
    }
  };
}
