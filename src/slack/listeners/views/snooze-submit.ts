/**
 * The Snooze form's submission. Problems (the alert changed meanwhile, already resolved, a repeat) stay in
 * the form next to the choice; a snooze that took closes the form, and the alert shows who and until when.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { FinsyncError } from '../../../errors.ts';
import { isSnoozeChoice, snoozeUntil } from '../../../incidents/snooze.ts';
import { parseIncidentButtonValue, SNOOZE_BLOCK, SNOOZE_ELEMENT } from '../../../messages/alert.ts';
import { userProfile } from '../../../notify/display-names.ts';
import { readMetadata } from '../../private-metadata.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';
import { outcomeNotice } from '../actions/incident-buttons.ts';

export function snoozeSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const fail = (message: string) =>
      ack({
        response_action: 'errors',
        errors: { [SNOOZE_BLOCK]: message.replace(/[<>*`]/g, '').slice(0, 2000) },
      });
    const ref = parseIncidentButtonValue(readMetadata(view.private_metadata)['incident']);
    const choice = view.state.values[SNOOZE_BLOCK]?.[SNOOZE_ELEMENT]?.selected_option?.value;
    if (!ref || !isSnoozeChoice(choice)) return void (await fail('Choose how long to snooze.'));
    try {
      const incident = await deps.incidents.get(ref.id);
      await deps.finsync.requireAdmin(body.user.id, 'snooze alerts', incident?.connection ?? null);
      const profile = await userProfile(client, body.user.id);
      const until = snoozeUntil(choice, new Date(), profile.timezone ?? deps.timezone);
      const outcome = await deps.incidents.snooze(ref.id, ref.version, {
        choice,
        until: until?.toISOString() ?? null,
        by: body.user.id,
        byName: profile.name,
      });
      const refused = outcomeNotice(outcome, 'Snooze');
      if (refused) return void (await fail(refused.text));
      await ack();
      await deps.finsync.audit({
        actor: body.user.id,
        action: `snooze alert ${choice}`,
        connection: incident?.connection ?? null,
        outcome: 'ok',
        detail: until ? `until ${until.toISOString()}` : 'until resolved',
      });
    } catch (error) {
      await fail(error instanceof FinsyncError ? error.message : errorReply(error, deps.log).text);
    }
  };
}
