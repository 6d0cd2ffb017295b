/**
 * "Share in Channel" under an ephemeral reply (status, cash): the message is built again now for the person
 * who clicked (their role is checked again by the service), then posted to the channel for everyone through
 * the outbox like every other post. Whether finsync can post there is asked first, so the person learns at
 * once how to invite it instead of the post failing later.
 */
import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackMessage } from '../../../messages/blocks.ts';
import { notice } from '../../../messages/help.ts';
import { accessProblemText, checkChannelAccess } from '../../../notify/channel-access.ts';
import { ephemeral, errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

/** What is shared (`status`, `cash`) and how its message is built for the clicking user from the button. */
export function shareInChannel(
  deps: SlackDeps,
  what: string,
  build: (userId: string, buttonValue: string | undefined) => Promise<SlackMessage>,
) {
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
      else deps.log.info(`${what} share without a response_url`, { userId: body.user.id });
    };
    try {
      if (!channel) throw new Error(`no channel on a ${what} share click`);
      const access = await checkChannelAccess(client, { id: channel, name: body.channel?.name ?? null });
      if (!access.ok) {
        await answer(ephemeral(notice(':information_source:', accessProblemText(access))));
        return;
      }
      const message = await build(body.user.id, body.actions[0]?.value);
      // One share per click: the trigger id names the click (a replayed click is dropped earlier).
      await deps.outbox.enqueue({
        key: `share:${what}:${body.trigger_id}`,
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
