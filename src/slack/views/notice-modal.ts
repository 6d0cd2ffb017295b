/** A small modal for answers to Home-tab clicks, which have no channel to answer in. */
import type { SlackMessage } from './blocks.ts';
import { clip, type ModalView } from './blocks.ts';

export function noticeModal(title: string, message: SlackMessage): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: clip(title, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: message.blocks.slice(0, 100),
  };
}
