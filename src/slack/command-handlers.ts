/**
 * What each parsed /finsync command does, after the listener has acked. Answers go to the person
 * ephemerally through `respond` (response_url) unless they asked to share.
 */
import { randomUUID } from 'node:crypto';
import type { RespondFn, webApi } from '@slack/bolt';
import { integrationIds } from '../../connectors/registry.ts';
import type { Command } from '../commands/command-grammar.ts';
import { runRoutingCommand, slackChannelResolver } from '../commands/routing-commands.ts';
import { auditMessage } from '../messages/audit.ts';
import { type SlackMessage, safe, section, slackDate } from '../messages/blocks.ts';
import { cashMessage } from '../messages/cash.ts';
import { connectModal, consentMessage } from '../messages/connect.ts';
import { disconnectModal } from '../messages/disconnect.ts';
import { helpMessage } from '../messages/help.ts';
import { paymentRequestsMessage, requestPostedNotice } from '../messages/payment-request.ts';
import { statusMessage } from '../messages/status.ts';
import { historyMessage, syncStartedMessage } from '../messages/sync.ts';
import { checkChannelAccess } from '../notify/channel-access.ts';
import type { ConnectPlan } from '../services/connect.ts';
import { ephemeral } from './reply.ts';
import type { SlackDeps } from './slack-deps.ts';

export interface CommandContext {
  readonly deps: SlackDeps;
  readonly client: webApi.WebClient;
  readonly respond: RespondFn;
  readonly userId: string;
  readonly channelId: string;
  /** The channel's name as Slack sent it with the command (for answers); null when absent. */
  readonly channelName: string | null;
  readonly triggerId: string;
  readonly responseUrl: string;
}

/** A connect (or reconnect) plan: a consent button in the channel, or a form in a modal. */
async function showPlan(plan: ConnectPlan, ctx: CommandContext): Promise<void> {
  if (plan.kind === 'consent') return void (await ctx.respond(ephemeral(consentMessage(plan))));
  const opened = await ctx.client.views.open({
    trigger_id: ctx.triggerId,
    view: connectModal(plan, ctx.channelId),
  });
  // A link page's result updates this modal, whose id Slack only tells now.
  if (plan.kind === 'link' && opened.view?.id) await ctx.deps.connect.attachView(plan.state, opened.view.id);
}

export async function runCommand(command: Command, ctx: CommandContext): Promise<void> {
  const { finsync } = ctx.deps;
  const reply = (message: SlackMessage) => ctx.respond(ephemeral(message));
  switch (command.name) {
    case 'help':
      return void (await reply(helpMessage({ providers: integrationIds() })));
    case 'status':
      return void (await reply(statusMessage(await finsync.status(), { shareable: true })));
    case 'connect':
      return showPlan(await ctx.deps.connect.plan({ provider: command.provider, userId: ctx.userId }), ctx);
    case 'reconnect':
      return showPlan(
        await ctx.deps.connect.planReconnect({ connection: command.connection, userId: ctx.userId }),
        ctx,
      );
    case 'disconnect': {
      const preview = await finsync.disconnectPreview({ name: command.connection, actor: ctx.userId });
      await ctx.client.views.open({
        trigger_id: ctx.triggerId,
        view: disconnectModal(preview, ctx.channelId),
      });
      return;
    }
    case 'sync': {
      // `all` is one group: one message listing every connection, edited in place as each ends.
      const group = command.target === 'all' ? randomUUID() : undefined;
      const starts = await finsync.syncNow({
        target: command.target,
        trigger: 'manual',
        actor: ctx.userId,
        notify: { kind: 'response_url', url: ctx.responseUrl, userId: ctx.userId },
        ...(group ? { group } : {}),
      });
      if (group) return void (await ctx.deps.reportSyncGroup(group, ctx.responseUrl));
      return void (await reply(syncStartedMessage(starts)));
    }
    case 'schedule': {
      const result = await finsync.schedule({
        connection: command.connection,
        text: command.schedule,
        actor: ctx.userId,
      });
      const next = result.nextRunAt ? ` Next run ${slackDate(result.nextRunAt)}.` : '';
      const words = `${command.connection} now syncs ${result.description}.`;
      await reply({ text: words, blocks: [section(`:calendar: ${safe(words, 500)}${next}`)] });
      return void (await ctx.deps.publishHome(ctx.client, ctx.userId));
    }
    case 'history': {
      const { connection, runs } = await finsync.history(command.connection, command.limit);
      return void (await reply(historyMessage(connection, runs)));
    }
    case 'cash': {
      const report = await ctx.deps.cash.report(ctx.userId, command.range);
      return void (await reply(cashMessage(report, { shareable: true, range: command.range })));
    }
    case 'request': {
      // The request's message (and the reply when it is paid, in its thread) goes where it was asked when
      // finsync can post there, else to the requester's DM.
      const access = await checkChannelAccess(ctx.client, { id: ctx.channelId, name: ctx.channelName });
      const channel = access.ok ? ctx.channelId : ctx.userId;
      const request = await ctx.deps.payments.request({
        actor: ctx.userId,
        amountText: command.amount,
        currencyText: command.currency,
        description: command.description,
        via: command.via,
        channel,
        origin: `command:${ctx.triggerId}`,
      });
      await reply(
        requestPostedNotice(
          request,
          access.ok ? 'in this channel' : 'in your DM with finsync (it is not in this channel)',
        ),
      );
      return void (await ctx.deps.publishHome(ctx.client, ctx.userId));
    }
    case 'requests':
      return void (await reply(
        paymentRequestsMessage(await ctx.deps.payments.list(ctx.userId, command.filter), command.filter),
      ));
    case 'audit':
      return void (await reply(auditMessage(await finsync.auditLog(ctx.userId, command.limit))));
    case 'digest':
    case 'alerts':
    case 'subscribe':
    case 'subscribe-list':
    case 'unsubscribe': {
      const answer = await runRoutingCommand(command, {
        actor: ctx.userId,
        settings: ctx.deps.alertSettings,
        digests: ctx.deps.digests,
        timezone: ctx.deps.timezone,
        resolve: slackChannelResolver(ctx.client),
        here: () => ({ id: ctx.channelId, name: ctx.channelName }),
        confirmAlertsOff: true,
      });
      return void (await reply(answer.message));
    }
  }
}
