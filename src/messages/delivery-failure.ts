/** The DM an admin gets when a message to Slack failed for good (the outbox gave up on it). */
import type { OutboxItem } from '../notify/outbox.ts';
import { context, type SlackMessage, safe, section } from './blocks.ts';

const KIND: Readonly<Record<string, string>> = {
  alert: 'A failure alert',
  digest: 'The daily digest',
};

export function deliveryFailureMessage(item: OutboxItem, error: string): SlackMessage {
  const what = KIND[item.key.split(':')[0] ?? ''] ?? 'A finsync message';
  const where = /^[CG]/.test(item.channel) ? `<#${item.channel}>` : `\`${safe(item.channel, 40)}\``;
  const hint =
    error === 'not_in_channel' || error === 'channel_not_found'
      ? 'Invite finsync to the channel with `/invite @finsync`, or choose another with `/finsync alerts #channel`.'
      : error === 'is_archived'
        ? 'The channel is archived: choose another with `/finsync alerts #channel` or `/finsync digest #channel`.'
        : 'finsync retried and gave up; later messages to this channel are still attempted.';
  return {
    text: `finsync could not deliver a message to ${item.channel}: ${error}`,
    blocks: [
      section(`:warning: ${what} could not be delivered to ${where}: Slack answered \`${safe(error, 80)}\`.`),
      section(hint),
      context(`Message ${safe(item.key, 200)} · one report an hour per channel and error`),
    ],
  };
}
