/**
 * The disconnect confirmation (a modal that names what goes, says whether the grant is revoked at the provider,
 * and offers to delete the synced records too) and the answer after it.
 */
import type { DisconnectPreview, DisconnectResult } from '../services/finsync.ts';
import { clip, type ModalView, safe, section } from './blocks.ts';

export const DISCONNECT_CALLBACK = 'disconnect_submit';
export const DELETE_RECORDS_BLOCK = 'delete_records';

export function disconnectModal(preview: DisconnectPreview, channelId: string | null): ModalView {
  const revokes = preview.revokesAt ? `, finsync's access is revoked ${safe(preview.revokesAt, 60)},` : '';
  return {
    type: 'modal',
    callback_id: DISCONNECT_CALLBACK,
    private_metadata: JSON.stringify({ connection: preview.name, channelId }),
    title: { type: 'plain_text', text: clip(`Disconnect ${preview.name}`, 24) },
    submit: { type: 'plain_text', text: 'Disconnect' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `:warning: Disconnect *${safe(preview.name, 40)}* (${safe(preview.providerName, 40)})? Its credentials and schedule are removed${revokes} and it stops syncing. ` +
          `Its ${preview.records.toLocaleString('en-US')} synced records stay unless you tick the box below.`,
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

/** The answer after a disconnect: what went, what stayed, and whether the grant at the provider was revoked. */
export function disconnectedText(name: string, deleteRecords: boolean, result: DisconnectResult): string {
  const { revocation } = result;
  const records = deleteRecords
    ? `Its ${result.recordsDeleted.toLocaleString('en-US')} synced records were deleted.`
    : 'Its synced records were kept.';
  const who = `*${safe(name, 40)}*`;
  switch (revocation.outcome) {
    case 'none':
      return deleteRecords
        ? `:white_check_mark: Disconnected ${who} and deleted its ${result.recordsDeleted.toLocaleString('en-US')} synced records.`
        : `:white_check_mark: Disconnected ${who}. ${records}`;
    case 'revoked':
      return `:white_check_mark: Disconnected ${who}; finsync's access was revoked ${safe(revocation.where, 60)}. ${records}`;
    case 'failed':
      return `:warning: Disconnected ${who}, but finsync's access could not be revoked ${safe(revocation.where, 60)} (${safe(revocation.reason, 300)}): remove finsync's access there by hand. ${records}`;
  }
}
