/** "Turn Off Alerts" under `/finsync alerts off` (after Slack's confirm dialog): admins only, then done. */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { alertsOffMessage } from '../../../messages/routing.ts';
import { ephemeral, errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function alertsOff(deps: SlackDeps) {
  return async ({
    ack,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    try {
      await deps.alertSettings.setAlertChannel(body.user.id, 'off');
      // Replaces the question, so the button cannot be pressed again.
      await respond?.({ ...ephemeral(alertsOffMessage()), replace_original: true });
    } catch (error) {
      await respond?.({ ...ephemeral(errorReply(error, deps.log)), replace_original: false });
    }
  };
}
