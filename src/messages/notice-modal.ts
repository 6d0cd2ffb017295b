/** A small modal for answers to Home-tab clicks, which have no channel to answer in. */
import { clip, type ModalView, type SlackMessage, section } from './blocks.ts';

export function noticeModal(title: string, message: SlackMessage): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: clip(title, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: message.blocks.slice(0, 100),
  };
}

/** A one-section result modal (connected, not connected). */
export function resultModal(title: string, mrkdwn: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: clip(title, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [section(mrkdwn)],
  };
}
