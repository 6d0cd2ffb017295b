/**
 * The alert's buttons: Reconnect, Retry Now, Snooze, View History. Each acks first. Retry and Snooze change things, so
 * they check the role (Finsync.requireAdmin, the one place), act once per incident version (a double click
 * has one effect) and answer a click on an outdated version of the message with "this alert has changed".
 * Answers go to the clicker only (ephemeral, never replacing the alert).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ActionOutcome } from '../../../incidents/incident-service.ts';
import { parseIncidentButtonValue, snoozeModal } from '../../../messages/alert.ts';
import { context, type SlackMessage } from '../../../messages/blocks.ts';
import { connectModal, consentMessage } from '../../../messages/connect.ts';
import { notice } from '../../../messages/help.ts';
import { historyMessage, syncStartedMessage } from '../../../messages/sync.ts';
import { userProfile } from '../../../notify/display-names.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function incidentButton(deps: SlackDeps, work: (args: ButtonArgs, answer: Answer) => Promise<void>) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const answer: Answer = async (message) => {
      if (args.respond)
        await args.respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: message.text,
          blocks: message.blocks,
        });
    };
    try {
      await work(args, answer);
    } catch (error) {
      await answer(errorReply(error, deps.log));
    }
  };
}

type Answer = (message: SlackMessage) => Promise<void>;

/** Words for a click that cannot act; null when the action may go ahead. */
export function outcomeNotice(outcome: ActionOutcome, action: string): SlackMessage | null {
  switch (outcome.kind) {
    case 'ok':
      return null;
    case 'stale':
      return notice(
        ':arrows_counterclockwise:',
        `This alert has changed since this copy was shown (${action} not done). Look at the alert as it is now and press again if still needed.`,
      );
    case 'duplicate':
      return notice(
        ':hourglass:',
        `${action} was already done from this version of the alert; nothing was repeated.`,
      );
    case 'resolved':
      return notice(
        ':white_check_mark:',
        `This incident is already resolved; nothing to ${action.toLowerCase()}.`,
      );
    case 'not_found':
      return notice(':mag:', 'finsync has no record of this alert any more.');
  }
}

export function incidentRetry(deps: SlackDeps) {
  return incidentButton(deps, async ({ action, body }, answer) => {
    const ref = parseIncidentButtonValue(action.value);
    const incident = ref ? await deps.incidents.get(ref.id) : undefined;
    await deps.finsync.requireAdmin(body.user.id, 'retry syncs', incident?.connection ?? null);
    if (!ref || !incident) return answer(outcomeNotice({ kind: 'not_found' }, 'Retry')!);
    const outcome = await deps.incidents.claimRetry(ref.id, ref.version, body.user.id);
    const refused = outcomeNotice(outcome, 'Retry');
    if (refused) return answer(refused);
    const starts = await deps.finsync.syncNow({
      target: incident.connection,
      trigger: 'manual',
      actor: body.user.id,
      notify: { kind: 'none' },
    });
    const started = syncStartedMessage(starts);
    await answer({
      text: started.text,
      blocks: [...started.blocks, context('The alert updates itself when the run ends.')],
    });
  });
}

export function incidentSnooze(deps: SlackDeps) {
  return incidentButton(deps, async ({ action, body, client }, answer) => {
    const ref = parseIncidentButtonValue(action.value);
    const incident = ref ? await deps.incidents.get(ref.id) : undefined;
    await deps.finsync.requireAdmin(body.user.id, 'snooze alerts', incident?.connection ?? null);
    if (!ref || !incident) return answer(outcomeNotice({ kind: 'not_found' }, 'Snooze')!);
    const refused = outcomeNotice(await deps.incidents.check(ref.id, ref.version), 'Snooze');
    if (refused) return answer(refused);
    const profile = await userProfile(client, body.user.id);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: snoozeModal(incident, profile.timezone ?? deps.timezone),
    });
  });
}

export function incidentHistory(deps: SlackDeps) {
  return incidentButton(deps, async ({ action }, answer) => {
    const ref = parseIncidentButtonValue(action.value);
    const incident = ref ? await deps.incidents.get(ref.id) : undefined;
    if (!incident) return answer(outcomeNotice({ kind: 'not_found' }, 'View History')!);
    const { connection, runs } = await deps.finsync.history(incident.connection, 10);
    await answer(historyMessage(connection, runs));
  });
}

/** Opens the connection's own reconnect flow: the form filled in, or the consent button (the reconnect use case). */
export function incidentReconnect(deps: SlackDeps) {
  return incidentButton(deps, async ({ action, body, client }, answer) => {
    const ref = parseIncidentButtonValue(action.value);
    const incident = ref ? await deps.incidents.get(ref.id) : undefined;
    await deps.finsync.requireAdmin(body.user.id, 'reconnect systems', incident?.connection ?? null);
    if (!ref || !incident) return answer(outcomeNotice({ kind: 'not_found' }, 'Reconnect')!);
    const refused = outcomeNotice(await deps.incidents.check(ref.id, ref.version), 'Reconnect');
    if (refused) return answer(refused);
    const plan = await deps.connect.planReconnect({ connection: incident.connection, userId: body.user.id });
    if (plan.kind === 'consent') return answer(consentMessage(plan));
    const channelId = (body as { channel?: { id?: string } }).channel?.id ?? null;
    const opened = await client.views.open({
      trigger_id: body.trigger_id,
      view: connectModal(plan, channelId),
    });
    if (plan.kind === 'link' && opened.view?.id) await deps.connect.attachView(plan.state, opened.view.id);
  });
}
