/** The disconnect confirmation's submission: removes the connection (and its records when ticked). */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { type Block, safe, section } from '../../../messages/blocks.ts';
import { DELETE_RECORDS_BLOCK } from '../../../messages/disconnect.ts';
import { readMetadata } from '../../private-metadata.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function disconnectSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const meta = readMetadata(view.private_metadata);
    const name = meta.connection ?? '';
    const deleteRecords = (view.state.values[DELETE_RECORDS_BLOCK]?.['value']?.selected_options ?? []).some(
      (o) => o.value === 'delete',
    );
    let blocks: Block[];
    try {
      const { recordsDeleted } = await deps.finsync.disconnect({ name, deleteRecords, actor: body.user.id });
      blocks = [
        section(
          deleteRecords
            ? `:white_check_mark: Disconnected *${safe(name, 40)}* and deleted its ${recordsDeleted.toLocaleString('en-US')} synced records.`
            : `:white_check_mark: Disconnected *${safe(name, 40)}*. Its synced records were kept.`,
        ),
      ];
    } catch (error) {
      blocks = errorReply(error, deps.log).blocks;
    }
    await ack({
      response_action: 'update',
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Disconnect' },
        close: { type: 'plain_text', text: 'Close' },
        blocks,
      },
    });
    await deps.publishHome(client, body.user.id);
  };
}
