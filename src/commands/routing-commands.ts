/**
 * `alerts`, `digest #channel`, `digest now [#channel]`, `subscribe`, `unsubscribe`, `subscribe list`: one
 * dispatcher for Slack and the CLI. What differs is how a named channel becomes a target:
 * - Slack asks whether finsync can post there (checkChannelAccess) and, if not, the person is told at once
 *   how to invite it, and nothing changes; the channel a command is typed in is "here".
 * - The CLI cannot ask Slack, so it takes channel ids only (`<#C…>`, `--channel C…`).
 * And `alerts off` asks a person in Slack for a confirming click, while the CLI's operator is taken at
 * their word.
 */
import { lastCompleteDay } from '../digest/day.ts';
import { nextDigestAt } from '../digest/due.ts';
import type { DigestSender } from '../digest/sender.ts';
import { ForbiddenError, UserInputError } from '../errors.ts';
import type { SlackMessage } from '../messages/blocks.ts';
import { notice } from '../messages/help.ts';
import {
  alertsOffConfirmMessage,
  alertsOffMessage,
  alertsSetMessage,
  digestSetMessage,
  digestSharedMessage,
  subscribedMessage,
  subscriptionListMessage,
  unsubscribedMessage,
} from '../messages/routing.ts';
import { accessProblemText, checkChannelAccess } from '../notify/channel-access.ts';
import type { ChannelTarget } from '../notify/routing.ts';
import type { AlertSettings } from '../services/alert-settings.ts';
import type { ChannelRef, Command } from './command-grammar.ts';

export type RoutingCommand = Extract<
  Command,
  { name: 'alerts' | 'digest' | 'subscribe' | 'unsubscribe' | 'subscribe-list' }
>;

export interface RoutingContext {
  readonly actor: string;
  readonly settings: AlertSettings;
  readonly digests: DigestSender;
  readonly timezone: string;
  /** A channel the person named, as a target finsync can post in; throws UserInputError saying why not. */
  readonly resolve: (ref: ChannelRef) => Promise<ChannelTarget>;
  /** The channel the command is about when it names none (Slack: where it was typed); may throw. */
  readonly here: () => ChannelRef & { readonly id: string };
  /** Slack asks for a confirming click before alerts go off; the CLI does it at once. */
  readonly confirmAlertsOff: boolean;
}

export interface RoutingAnswer {
  readonly message: SlackMessage;
  /** What `--json` prints. */
  readonly data: unknown;
}

export async function runRoutingCommand(
  command: RoutingCommand,
  ctx: RoutingContext,
): Promise<RoutingAnswer> {
  const { settings, actor, timezone } = ctx;
  const finsync = settings.finsync;
  switch (command.name) {
    case 'alerts': {
      await finsync.requireAdmin(actor, 'change where alerts go');
      if (command.channel === 'off') {
        // Destructive: in Slack the person confirms with a button (and Slack's dialog) before anything changes.
        if (ctx.confirmAlertsOff) {
          const current = await settings.routing.alertRoute();
          return { message: alertsOffConfirmMessage(current), data: current };
        }
        return { message: alertsOffMessage(), data: await settings.setAlertChannel(actor, 'off') };
      }
      const channel = await ctx.resolve(command.channel);
      return { message: alertsSetMessage(channel), data: await settings.setAlertChannel(actor, channel) };
    }
    case 'digest': {
      const day = lastCompleteDay(new Date(), timezone);
      if (command.mode === 'now' && command.channel === null) {
        await requireMoneyViewer(settings, actor);
        return ctx.digests.render(day).then(({ message, digest }) => ({ message, data: digest }));
      }
      if (command.mode === 'now') {
        // Sharing into a channel is a post for everyone there: admins only, like every other change.
        await finsync.requireAdmin(actor, 'post the digest to a channel');
        const channel = await ctx.resolve(command.channel!);
        const queued = await ctx.digests.shareNow(channel.id, actor, day);
        return {
          message: queued
            ? digestSharedMessage(channel.id)
            : notice(':information_source:', 'You already shared this digest to that channel.'),
          data: { queued, channel: channel.id, day: day.date },
        };
      }
      await finsync.requireAdmin(actor, 'change the daily digest');
      const route = await settings.setDigest(actor, await ctx.resolve(command.channel), command.time);
      const next = nextDigestAt(new Date(), route.time, timezone);
      return { message: digestSetMessage(route, timezone, next), data: { ...route, next } };
    }
    case 'subscribe': {
      const target = command.target === 'all' ? null : command.target;
      await finsync.requireAdmin(actor, 'change subscriptions', target);
      // The channel is the one the command is typed in (GitHub's model).
      const channel = await ctx.resolve(ctx.here());
      const subscription = await settings.subscribe(actor, channel, command.target, command.kinds);
      return { message: subscribedMessage(subscription), data: subscription };
    }
    case 'unsubscribe': {
      const result = await settings.unsubscribe(actor, ctx.here().id, command.target, command.kinds);
      return { message: unsubscribedMessage(command.target, result), data: result };
    }
    case 'subscribe-list': {
      const channel = ctx.here().id;
      const routes = await settings.routesFor(channel);
      return { message: subscriptionListMessage(channel, routes), data: routes };
    }
  }
}

/** The digest shows money: FINSYNC_MONEY_VIEWERS_GROUP decides who sees it (admins always). Refusals are audited. */
async function requireMoneyViewer(settings: AlertSettings, actor: string): Promise<void> {
  const { finsync } = settings;
  const roles = finsync.deps.roles;
  if (await roles.canSeeMoney(actor)) return;
  await finsync.audit({
    actor,
    action: 'digest now',
    connection: null,
    outcome: 'refused',
    detail: 'not a money viewer',
  });
  throw new ForbiddenError(
    `The digest shows money figures, which only ${roles.describeMoneyViewers()} can see. Ask a finsync admin if you need them.`,
  );
}

/** Slack's resolver: the channel as a target when finsync can post there, else a UserInputError saying how. */
export function slackChannelResolver(
  client: Parameters<typeof checkChannelAccess>[0],
): (ref: ChannelRef) => Promise<ChannelTarget> {
  return async (ref) => {
    const access = await checkChannelAccess(client, ref);
    if (access.ok) return { id: access.id, name: access.name };
    throw new UserInputError(accessProblemText(access));
  };
}
