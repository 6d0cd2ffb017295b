/**
 * `/finsync alerts`, `digest #channel`, `digest now #channel`, `subscribe`, `unsubscribe`, `subscribe list`.
 * A channel is checked before it is stored: if finsync cannot post there, the person is told at once, and
 * ephemerally, how to invite it, and nothing changes.
 */
import { lastCompleteDay } from '../digest/day.ts';
import { nextDigestAt } from '../digest/due.ts';
import type { ChannelTarget } from '../notify/routing.ts';
import { accessProblemText, checkChannelAccess } from './channel-access.ts';
import type { ChannelRef, Command } from './command-grammar.ts';
import type { CommandContext } from './command-handlers.ts';
import { ephemeral } from './reply.ts';
import type { SlackMessage } from './views/blocks.ts';
import { notice } from './views/help.ts';
import {
  alertsOffConfirmMessage,
  alertsSetMessage,
  digestSetMessage,
  digestSharedMessage,
  subscribedMessage,
  subscriptionListMessage,
  unsubscribedMessage,
} from './views/routing.ts';

type RoutingCommand = Extract<
  Command,
  { name: 'alerts' | 'digest' | 'subscribe' | 'unsubscribe' | 'subscribe-list' }
>;

export async function runRoutingCommand(command: RoutingCommand, ctx: CommandContext): Promise<void> {
  const { finsync, alertSettings } = ctx.deps;
  const reply = (message: SlackMessage) => ctx.respond(ephemeral(message));
  switch (command.name) {
    case 'alerts': {
      await finsync.requireAdmin(ctx.userId, 'change where alerts go');
      // Destructive: the person confirms with a button (and Slack's confirm dialog) before anything changes.
      if (command.channel === 'off')
        return void (await reply(alertsOffConfirmMessage(await alertSettings.routing.alertRoute())));
      const channel = await reachable(ctx, command.channel);
      if (!channel) return;
      await alertSettings.setAlertChannel(ctx.userId, channel);
      return void (await reply(alertsSetMessage(channel)));
    }
    case 'digest': {
      if (command.mode === 'now') {
        const day = lastCompleteDay(new Date(), ctx.deps.timezone);
        if (command.channel === null) {
          return void (await reply(await ctx.deps.digests.render(day)));
        }
        // Sharing into a channel is a post for everyone there: admins only, like every other change.
        await finsync.requireAdmin(ctx.userId, 'post the digest to a channel');
        const channel = await reachable(ctx, command.channel);
        if (!channel) return;
        const queued = await ctx.deps.digests.shareNow(channel.id, ctx.userId, day);
        return void (await reply(
          queued
            ? digestSharedMessage(channel.id)
            : notice(':information_source:', 'You already shared this digest to that channel.'),
        ));
      }
      await finsync.requireAdmin(ctx.userId, 'change the daily digest');
      const channel = await reachable(ctx, command.channel);
      if (!channel) return;
      const route = await alertSettings.setDigest(ctx.userId, channel, command.time);
      const next = nextDigestAt(new Date(), route.time, ctx.deps.timezone);
      return void (await reply(digestSetMessage(route, ctx.deps.timezone, next)));
    }
    case 'subscribe': {
      await finsync.requireAdmin(
        ctx.userId,
        'change subscriptions',
        command.target === 'all' ? null : command.target,
      );
      // The channel is the one the command was typed in (GitHub's model).
      const channel = await reachable(ctx, { id: ctx.channelId, name: ctx.channelName });
      if (!channel) return;
      const subscription = await alertSettings.subscribe(ctx.userId, channel, command.target, command.kinds);
      return void (await reply(subscribedMessage(subscription)));
    }
    case 'unsubscribe': {
      const result = await alertSettings.unsubscribe(
        ctx.userId,
        ctx.channelId,
        command.target,
        command.kinds,
      );
      return void (await reply(unsubscribedMessage(command.target, result)));
    }
    case 'subscribe-list':
      return void (await reply(
        subscriptionListMessage(ctx.channelId, await alertSettings.routesFor(ctx.channelId)),
      ));
  }
}

/** The channel as a target when finsync can post there; otherwise tells the person why and returns null. */
async function reachable(ctx: CommandContext, ref: ChannelRef): Promise<ChannelTarget | null> {
  const access = await checkChannelAccess(ctx.client, ref);
  if (access.ok) return { id: access.id, name: access.name };
  await ctx.respond(ephemeral(notice(':information_source:', accessProblemText(access))));
  return null;
}
