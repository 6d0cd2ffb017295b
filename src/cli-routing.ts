/**
 * The routing commands from a terminal, through the same dispatcher as Slack (slack/routing-commands.ts).
 * The CLI cannot ask Slack whether finsync is in a channel or what `#name` is, so channels are given by id
 * (`'<#C0123ABCD>'`, or `--channel C0123ABCD` for the subscriptions of a channel). Messages it queues
 * (`digest now <#C…>`) are delivered by the running app's outbox, which reads the same database.
 */

import type { ChannelRef } from './commands/command-grammar.ts';
import { type RoutingAnswer, type RoutingCommand, runRoutingCommand } from './commands/routing-commands.ts';
import type { Core } from './core.ts';
import { UserInputError } from './errors.ts';
import { CLI_ACTOR } from './security/roles.ts';
import { AlertSettings } from './services/alert-settings.ts';

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

export function runRoutingCli(
  core: Core,
  command: RoutingCommand,
  channelOption: string | undefined,
): Promise<RoutingAnswer> {
  return runRoutingCommand(command, {
    actor: CLI_ACTOR,
    settings: new AlertSettings(core.finsync, core.routing),
    digests: core.digests,
    timezone: core.config.timezone,
    resolve: async (ref: ChannelRef) => {
      if (ref.id) return { id: ref.id, name: ref.name };
      throw new UserInputError(
        `From the CLI, name the channel by its id ('<#C0123ABCD>'): finsync cannot look up #${ref.name ?? ''} without Slack.`,
      );
    },
    here: () => {
      if (channelOption && CHANNEL_ID.test(channelOption)) return { id: channelOption, name: null };
      throw new UserInputError(
        'Name the channel whose subscriptions to change or list: --channel C0123ABCD.',
      );
    },
    confirmAlertsOff: false,
  });
}
