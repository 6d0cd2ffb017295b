/**
 * Block Kit building blocks with Slack's limits as named constants. Every view goes through these,
 * so escaping and clipping happen in one place.
 */
import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;
export type Button = types.Button;
export type View = types.View;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  actionsElements: 25,
  buttonText: 75,
  contextElements: 10,
  modalTitle: 24,
  topLevelText: 3000,
} as const;

/** A message ready for chat.postMessage / respond: a meaningful top-level text plus blocks. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
}

/** Escapes the three characters mrkdwn treats as control (&, <, >) in provider or user text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Clips to a limit with an ellipsis, never splitting a surrogate pair or an escape entity. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // A cut between the two halves of a surrogate pair (an emoji) would leave half a character.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/** Escaped and clipped: the way every piece of outside text enters a view. */
export function safe(text: string, max: number = LIMITS.sectionText): string {
  return clip(escapeMrkdwn(text), max);
}

/** A time every reader sees in their own timezone, with a UTC fallback for old clients. */
export function slackDate(date: Date | string, format = '{date_short_pretty} {time}'): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  const unix = Math.floor(d.getTime() / 1000);
  const fallback = `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${unix}^${format}|${fallback}>`;
}

/** Plain text is not parsed for markup, but angle brackets from outside text have no business there either. */
export function header(text: string): Block {
  const plain = text.replace(/[<>]/g, '');
  return { type: 'header', text: { type: 'plain_text', text: clip(plain, LIMITS.headerText), emoji: true } };
}

export function section(mrkdwn: string, accessory?: Button): Block {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: clip(mrkdwn, LIMITS.sectionText) },
    ...(accessory ? { accessory } : {}),
  };
}

export function fields(pairs: readonly (readonly [string, string])[]): Block {
  return {
    type: 'section',
    fields: pairs.slice(0, LIMITS.fields).map(([label, value]) => ({
      type: 'mrkdwn' as const,
      text: clip(`*${label}*\n${value}`, LIMITS.fieldText),
    })),
  };
}

export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn' as const, text: clip(text, LIMITS.sectionText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export function button(
  text: string,
  actionId: string,
  value: string,
  options: { style?: 'primary' | 'danger'; confirm?: types.ConfirmationDialog; url?: string } = {},
): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(text, LIMITS.buttonText), emoji: true },
    action_id: actionId,
    value: clip(value, 2000),
    ...(options.style ? { style: options.style } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
    ...(options.url ? { url: options.url } : {}),
  };
}

export function actions(elements: readonly Button[], blockId?: string): Block {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: elements.slice(0, LIMITS.actionsElements),
  };
}

export function confirmDialog(
  title: string,
  text: string,
  confirm: string,
  deny = 'Cancel',
): types.ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: clip(title, 100) },
    text: { type: 'mrkdwn', text: clip(text, 300) },
    confirm: { type: 'plain_text', text: clip(confirm, 30) },
    deny: { type: 'plain_text', text: clip(deny, 30) },
    style: 'danger',
  };
}

/** Packs lines into as few sections as the 3,000-character limit allows. */
export function packLines(
  lines: readonly string[],
  maxSections: number,
): { blocks: Block[]; omitted: number } {
  const blocks: Block[] = [];
  let current = '';
  let used = 0;
  for (const line of lines) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= LIMITS.sectionText) {
      current = candidate;
      used++;
      continue;
    }
    if (blocks.length + 1 >= maxSections) break;
    blocks.push(section(current));
    current = clip(line, LIMITS.sectionText);
    used++;
  }
  if (current !== '') blocks.push(section(current));
  return { blocks, omitted: lines.length - used };
}

/** A message's blocks capped at 50, ending with a note of what was cut rather than failing to post. */
export function capBlocks(blocks: Block[], max: number = LIMITS.messageBlocks): Block[] {
  if (blocks.length <= max) return blocks;
  return [...blocks.slice(0, max - 1), context(`…${blocks.length - max + 1} more blocks not shown.`)];
}
