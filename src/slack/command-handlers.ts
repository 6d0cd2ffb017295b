/**
 * What each parsed /finsync command does, after the listener has acked. Answers go to the person
 * ephemerally through `respond` (response_url) unless they asked to share.
 */
import type { RespondFn, webApi } from '@slack/bolt';
import { integrationFor, integrationNames } from '../../connectors/registry.ts';
import type { Command } from '../commands/command-grammar.ts';
import { runRoutingCommand, slackChannelResolver } from '../commands/routing-commands.ts';
import { UserInputError } from '../errors.ts';
import { auditMessage } from '../messages/audit.ts';
import { type SlackMessage, safe, section, slackDate } from '../messages/blocks.ts';
import { connectModal, oauthConnectMessage } from '../messages/connect.ts';
import { disconnectModal } from '../messages/disconnect.ts';
import { helpMessage } from '../messages/help.ts';
import { statusMessage } from '../messages/status.ts';
import { historyMessage, syncStartedMessage } from '../messages/sync.ts';
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

export async function runCommand(command: Command, ctx: CommandContext): Promise<void> {
  const { finsync } = ctx.deps;
  const reply = (message: SlackMessage) => ctx.respond(ephemeral(message));
  switch (command.name) {
    case 'help':
      return void (await reply(helpMessage()));
    case 'status':
      return void (await reply(statusMessage(await finsync.status(), { shareable: true })));
    case 'connect': {
      await finsync.requireAdmin(ctx.userId, 'connect systems');
      const connector = integrationFor(command.provider);
      if (!connector) {
        throw new UserInputError(
          `finsync cannot connect "${command.provider}" yet; it connects ${integrationNames()}.`,
        );
      }
      const proposedName = await finsync.proposeName(connector.id);
      if (connector.oauth) {
        // QuickBooks connects by OAuth: a consent link bound to this person, used once, valid 15 minutes.
        const state = await ctx.deps.linkSessions.create({
          userId: ctx.userId,
          provider: connector.id,
          name: proposedName,
        });
        return void (await reply(
          oauthConnectMessage(connector.displayName, ctx.deps.authorizeUrl(connector.id, state)),
        ));
      }
      // Plaid connects through Plaid Link in a browser: the modal links to our Link page, bound to this user.
      const state =
        connector.id === 'plaid'
          ? await ctx.deps.linkSessions.create({ userId: ctx.userId, provider: 'plaid', name: proposedName })
          : null;
      const opened = await ctx.client.views.open({
        trigger_id: ctx.triggerId,
        view: connectModal({
          provider: connector,
          fields: connector.credentialFields,
          proposedName,
          channelId: ctx.channelId,
          ...(state ? { linkUrl: `${ctx.deps.publicUrl}/plaid/link?state=${state}` } : {}),
        }),
      });
      if (state) await ctx.deps.linkSessions.setViewId(state, opened.view?.id ?? null);
      return;
    }
    case 'disconnect': {
      await finsync.requireAdmin(ctx.userId, 'disconnect systems', command.connection);
      const connection = await finsync.getConnection(command.connection);
      await ctx.client.views.open({
        trigger_id: ctx.triggerId,
        view: disconnectModal({
          name: connection.name,
          providerName: finsync.providerName(connection.provider),
          records: await finsync.recordCount(connection.name),
          channelId: ctx.channelId,
        }),
      });
      return;
    }
    case 'sync': {
      const starts = await finsync.syncNow({
        target: command.target,
        trigger: 'manual',
        actor: ctx.userId,
        notify: { kind: 'response_url', url: ctx.responseUrl, userId: ctx.userId },
      });
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
