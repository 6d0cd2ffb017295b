/**
 * The disconnect confirmation's submission: removes the connection (and its records when ticked), revoking
 * its grant at the provider first when the provider declares how. A revoke may outlast Slack's 3 s: then the
 * modal says "Disconnecting…" and is updated with the answer.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '../../../messages/blocks.ts';
import { type Block, safe, section } from '../../../messages/blocks.ts';
import { DELETE_RECORDS_BLOCK, disconnectedText } from '../../../messages/disconnect.ts';
import type { DisconnectResult } from '../../../services/finsync.ts';
import { type Settled, settle, withinAckWindow } from '../../ack-window.ts';
import { readMetadata } from '../../private-metadata.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

function answerModal(blocks: Block[]): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Disconnect' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  };
}

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
    const answer = (result: Settled<DisconnectResult>): ModalView =>
      answerModal(
        result.ok
          ? [section(disconnectedText(name, deleteRecords, result.value))]
          : errorReply(result.error, deps.log).blocks,
      );
    const attempt = settle(deps.finsync.disconnect({ name, deleteRecords, actor: body.user.id }));
    const quick = await withinAckWindow(attempt);
    if (quick !== null) await ack({ response_action: 'update', view: answer(quick) });
    else {
      await ack({
        response_action: 'update',
        view: answerModal([section(`:hourglass: Disconnecting *${safe(name, 40)}*…`)]),
      });
      await client.views.update({ view_id: body.view.id, view: answer(await attempt) });
    }
    await deps.publishHome(client, body.user.id);
  };
}
