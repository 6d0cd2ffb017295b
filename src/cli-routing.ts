/**
 * The routing commands from a terminal: `alerts`, `digest`, `subscribe`, `unsubscribe`, `subscribe list`.
 * The CLI cannot ask Slack whether finsync is in a channel or what `#name` is, so channels are given by id
 * (`'<#C0123ABCD>'`, or `--channel C0123ABCD` for the subscriptions of a channel). Messages it queues
 * (`digest now <#C…>`) are delivered by the running app's outbox, which reads the same database.
 */
import type { Core } from './core.ts';
import { lastCompleteDay } from './digest/day.ts';
import { nextDigestAt } from './digest/due.ts';
import { UserInputError } from './errors.ts';
import type { ChannelTarget } from './notify/routing.ts';
import { CLI_ACTOR } from './security/roles.ts';
import { AlertSettings } from './services/alert-settings.ts';
import type { ChannelRef, Command } from './slack/command-grammar.ts';
import type { SlackMessage } from './slack/views/blocks.ts';
import {
  alertsOffMessage,
  alertsSetMessage,
  digestSetMessage,
  digestSharedMessage,
  subscribedMessage,
  subscriptionListMessage,
  unsubscribedMessage,
} from './slack/views/routing.ts';

type RoutingCommand = Extract<
  Command,
  { name: 'alerts' | 'digest' | 'subscribe' | 'unsubscribe' | 'subscribe-list' }
>;

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

function byId(ref: ChannelRef): ChannelTarget {
  if (ref.id) return { id: ref.id, name: ref.name };
  throw new UserInputError(
    `From the CLI, name the channel by its id ('<#C0123ABCD>'): finsync cannot look up #${ref.name ?? ''} without Slack.`,
  );
}

function channelFlag(value: string | undefined): string {
  if (value && CHANNEL_ID.test(value)) return value;
  throw new UserInputError('Name the channel whose subscriptions to change or list: --channel C0123ABCD.');
}

export async function runRoutingCli(
  core: Core,
  command: RoutingCommand,
  channelOption: string | undefined,
): Promise<{ message: SlackMessage; data: unknown }> {
  const settings = new AlertSettings(core.finsync, core.routing);
  const { timezone } = core.config;
  switch (command.name) {
    case 'alerts': {
      if (command.channel === 'off') {
        const route = await settings.setAlertChannel(CLI_ACTOR, 'off');
        return { message: alertsOffMessage(), data: route };
      }
      const channel = byId(command.channel);
      return { message: alertsSetMessage(channel), data: await settings.setAlertChannel(CLI_ACTOR, channel) };
    }
    case 'digest': {
      const day = lastCompleteDay(new Date(), timezone);
      if (command.mode === 'now') {
        if (command.channel === null) {
          const digest = await core.finsync.digest(timezone, day);
          return { message: await core.digests.render(day), data: digest };
        }
        const channel = byId(command.channel);
        const queued = await core.digests.shareNow(channel.id, CLI_ACTOR, day);
        return {
          message: digestSharedMessage(channel.id),
          data: { queued, channel: channel.id, day: day.date },
        };
      }
      const route = await settings.setDigest(CLI_ACTOR, byId(command.channel), command.time);
      const next = nextDigestAt(new Date(), route.time, timezone);
      return { message: digestSetMessage(route, timezone, next), data: { ...route, next } };
    }
    case 'subscribe': {
      const channel = { id: channelFlag(channelOption), name: null };
      const subscription = await settings.subscribe(CLI_ACTOR, channel, command.target, command.kinds);
      return { message: subscribedMessage(subscription), data: subscription };
    }
    case 'unsubscribe': {
      const result = await settings.unsubscribe(
        CLI_ACTOR,
        channelFlag(channelOption),
        command.target,
        command.kinds,
      );
      return { message: unsubscribedMessage(command.target, result), data: result };
    }
    case 'subscribe-list': {
      const channel = channelFlag(channelOption);
      const routes = await settings.routesFor(channel);
      return { message: subscriptionListMessage(channel, routes), data: routes };
    }
  }
}
