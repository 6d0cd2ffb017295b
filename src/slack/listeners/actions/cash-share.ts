/**
 * "Share in Channel" under a cash reply: the same period, computed again now for the person who clicked (a
 * money viewer: the figures are checked against the role again), posted to the channel through the outbox.
 */
import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import { type CashRangeSpec, parseCashRange } from '../../../commands/command-grammar.ts';
import { cashMessage } from '../../../messages/cash.ts';
import { notice } from '../../../messages/help.ts';
import { accessProblemText, checkChannelAccess } from '../../../notify/channel-access.ts';
import { ephemeral, errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

/** The button's value back to a period; anything unexpected reads as today (the command's default). */
function rangeOf(value: string | undefined): CashRangeSpec {
  try {
    const parsed = JSON.parse(value ?? '') as { kind?: unknown; from?: unknown; to?: unknown };
    if (parsed.kind === 'dates' && typeof parsed.from === 'string' && typeof parsed.to === 'string') {
      const range = parseCashRange(`${parsed.from}..${parsed.to}`);
      if (typeof range !== 'string') return range;
    }
    if (typeof parsed.kind === 'string') {
      const range = parseCashRange(parsed.kind);
      if (typeof range !== 'string' && range.kind !== 'dates') return range;
    }
  } catch {}
  return { kind: 'today' };
}

export function cashShare(deps: SlackDeps) {
  return async ({
    ack,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const answer = async (message: Parameters<RespondFn>[0]) => {
      if (respond) await respond(message);
      else deps.log.info('cash share without a response_url', { userId: body.user.id });
    };
    try {
      if (!channel) throw new Error('no channel on a cash share click');
      const access = await checkChannelAccess(client, { id: channel, name: body.channel?.name ?? null });
      if (!access.ok) {
        await answer(ephemeral(notice(':information_source:', accessProblemText(access))));
        return;
      }
      const range = rangeOf(body.actions[0]?.value);
      const message = cashMessage(await deps.cash.report(body.user.id, range), { shareable: false });
      await deps.outbox.enqueue({
        key: `share:cash:${body.trigger_id}`,
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
