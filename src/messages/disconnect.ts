/** The disconnect confirmation: a modal that names what goes and offers to delete the synced records too. */
import { clip, type ModalView, safe, section } from './blocks.ts';

export const DISCONNECT_CALLBACK = 'disconnect_submit';
export const DELETE_RECORDS_BLOCK = 'delete_records';

export function disconnectModal(input: {
  name: string;
  providerName: string;
  records: number;
  channelId: string | null;
}): ModalView {
  return {
    type: 'modal',
    callback_id: DISCONNECT_CALLBACK,
    private_metadata: JSON.stringify({ connection: input.name, channelId: input.channelId }),
    title: { type: 'plain_text', text: clip(`Disconnect ${input.name}`, 24) },
    submit: { type: 'plain_text', text: 'Disconnect' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `:warning: Disconnect *${safe(input.name, 40)}* (${safe(input.providerName, 40)})? Its credentials and schedule are removed and it stops syncing. ` +
          `Its ${input.records.toLocaleString('en-US')} synced records stay unless you tick the box below.`,
      ),
      {
        type: 'input',
        block_id: DELETE_RECORDS_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Synced records' },
        element: {
          type: 'checkboxes',
          action_id: 'value',
          options: [{ text: { type: 'plain_text', text: 'Also delete synced records' }, value: 'delete' }],
        },
      },
    ],
  };
}
