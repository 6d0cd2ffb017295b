/** `/finsync …`: parse, ack at once, then do the work and answer through response_url. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { integrationIds } from '../../../../connectors/registry.ts';
import { parseCommand } from '../../../commands/command-grammar.ts';
import { helpMessage, usageHint } from '../../../messages/help.ts';
import { runCommand } from '../../command-handlers.ts';
import { ephemeral, errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

/** Help names the providers `connect` accepts, from the registry. */
const HELP = { providers: integrationIds() };

export function finsyncCommand(deps: SlackDeps) {
  return async ({
    command,
    ack,
    respond,
    client,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseCommand(command.text ?? '');
    // Answers that need no I/O ride on the ack itself: one round trip, nothing to lose.
    if (!parsed.ok) return void (await ack(ephemeral(usageHint(parsed.error, HELP))));
    if (parsed.command.name === 'help') return void (await ack(ephemeral(helpMessage(HELP))));
    await ack();
    // Yield one full event-loop turn before the command's (synchronous) store reads, so acks and other
    // requests' I/O waiting in the poll phase go first: a second setImmediate lands after that poll.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await runCommand(parsed.command, {
        deps,
        client,
        respond,
        userId: command.user_id,
        channelId: command.channel_id,
        channelName: command.channel_name || null,
        triggerId: command.trigger_id,
        responseUrl: command.response_url,
      });
    } catch (error) {
      await respond(ephemeral(errorReply(error, deps.log)));
    }
  };
}
