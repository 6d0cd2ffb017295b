/** The disconnect confirmation's submission: removes the connection (and its records when ticked). */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';
import { section } from '../../views/blocks.ts';
import { DELETE_RECORDS_BLOCK } from '../../views/disconnect.ts';

export function disconnectSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const meta = JSON.parse(view.private_metadata || '{}') as { connection?: string };
    const name = meta.connection ?? '';
    const deleteRecords = (view.state.values[DELETE_RECORDS_BLOCK]?.['value']?.selected_options ?? []).some(
      (o) => o.value === 'delete',
    );
    let text: string;
    try {
      const { recordsDeleted } = await deps.finsync.disconnect({ name, deleteRecords, actor: body.user.id });
      text = deleteRecords
        ? `:white_check_mark: Disconnected *${name}* and deleted its ${recordsDeleted.toLocaleString('en-US')} synced records.`
        : `:white_check_mark: Disconnected *${name}*. Its synced records were kept.`;
    } catch (error) {
      text = errorReply(error, deps.log).text;
    }
    await ack({
      response_action: 'update',
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Disconnect' },
        close: { type: 'plain_text', text: 'Close' },
        blocks: [section(text)],
      },
    });
    await deps.publishHome(client, body.user.id);
  };
}
