/**
 * How listeners answer people when something goes wrong: a FinsyncError becomes an ephemeral message in
 * words; anything else is logged with a reference the person can quote, never a stack trace in Slack.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage, FinsyncError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import type { SlackMessage } from '../messages/blocks.ts';
import { notice, refusal } from '../messages/help.ts';

const EMOJI: Record<string, string> = {
  forbidden: ':lock:',
  user_input: ':warning:',
  not_found: ':mag:',
  conflict: ':hourglass:',
  auth: ':no_entry:',
};

export function errorReply(error: unknown, log: Logger): SlackMessage {
  if (error instanceof FinsyncError && error.errorClass === 'forbidden') {
    return refusal(EMOJI['forbidden']!, redactText(error.message));
  }
  if (error instanceof FinsyncError && error.errorClass !== 'internal' && error.errorClass !== 'storage') {
    return notice(EMOJI[error.errorClass] ?? ':x:', redactText(error.message));
  }
  const reference = randomUUID().slice(0, 8);
  log.error('unexpected error in a Slack handler', {
    reference,
    error: redactText(errorMessage(error)),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return notice(
    ':x:',
    `Something went wrong on finsync's side (reference ${reference}). Nothing was changed; try again, and tell your admin if it persists.`,
  );
}

/** Ephemeral payload for `respond` (response_url). */
export function ephemeral(message: SlackMessage): {
  response_type: 'ephemeral';
  text: string;
  blocks: SlackMessage['blocks'];
} {
  return { response_type: 'ephemeral', text: message.text, blocks: message.blocks };
}
