/** The Schedule form's submission; grammar errors stay in the form next to the field. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { FinsyncError } from '../../../errors.ts';
import { SCHEDULE_BLOCK } from '../../../messages/schedule.ts';
import { readMetadata } from '../../private-metadata.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function scheduleSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const meta = readMetadata(view.private_metadata);
    const text = view.state.values[SCHEDULE_BLOCK]?.['value']?.value?.trim() ?? '';
    try {
      await deps.finsync.schedule({ connection: meta.connection ?? '', text, actor: body.user.id });
      await ack();
    } catch (error) {
      const message = error instanceof FinsyncError ? error.message : errorReply(error, deps.log).text;
      await ack({
        response_action: 'errors',
        errors: { [SCHEDULE_BLOCK]: message.replace(/[<>]/g, '').slice(0, 2000) },
      });
      return;
    }
    await deps.publishHome(client, body.user.id);
  };
}
