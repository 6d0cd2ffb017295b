/**
 * Renders Block Kit as readable terminal text for the sandbox, so a person trying finsync without Slack
 * sees what Slack would show: headers, sections, two-column fields, dimmed context, buttons by their labels
 * (which `click <label>` presses), channel and user names, bold, links and emoji; never internal ids.
 * Pure: no I/O, ANSI styling only when asked for.
 */
import { emojiFor } from './emoji.ts';

/** The names a person sees for ids, as the workspace knows them (the Slack emulator's state). */
export interface NameLookup {
  channel(id: string): string | undefined;
  user(id: string): string | undefined;
}

export interface RenderOptions {
  /** Bold headers, bold text and dim context lines with ANSI escapes (for a TTY). Off by default. */
  color?: boolean;
  /** Channel and user names for `<#C…>` / `<@U…>` without a label. */
  names?: NameLookup;
}

type Json = Record<string, unknown>;

const BOLD = (s: string) => `\x1b[1m${s}\x1b[22m`;
const DIM = (s: string) => `\x1b[2m${s}\x1b[22m`;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): string | undefined {
  return isObject(value) && typeof value[key] === 'string' ? value[key] : undefined;
}

/** `*bold*` as Slack finds it: opened after a start or a non-word character, closed before one. */
const BOLD_SPAN = /(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?=$|[^\w*])/g;

/**
 * Slack's mrkdwn to what a reader sees: links as `text (url)`, mentions by name, dates, bold (ANSI or plain),
 * emoji shortcodes as characters, entities unescaped.
 */
export function mrkdwnToPlain(text: string, options: RenderOptions = {}): string {
  const { names, color = false } = options;
  const styled = text
    .replace(BOLD_SPAN, (_whole, before: string, inner: string) => `${before}${color ? BOLD(inner) : inner}`)
    .replace(/:([a-z0-9_+-]+):/g, (whole, code: string) => emojiFor(code) ?? whole);
  const resolved = styled.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? '' : inner.slice(bar + 1);
    if (target.startsWith('!date^')) return label || target;
    if (target.startsWith('!subteam^')) return label || `@${target.slice('!subteam^'.length)}`;
    if (target.startsWith('!')) return `@${target.slice(1)}`;
    if (target.startsWith('#')) return `#${label || names?.channel(target.slice(1)) || target.slice(1)}`;
    if (target.startsWith('@'))
      return `@${label.replace(/^@/, '') || names?.user(target.slice(1)) || target.slice(1)}`;
    return label ? `${label} (${target})` : target;
  });
  // &amp; last, so an escaped "&amp;lt;" becomes the literal "&lt;" the author wrote.
  return resolved.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A text object's readable text: mrkdwn resolved; plain_text as written, its emoji shortcodes as Slack shows them. */
function textOf(value: unknown, options: RenderOptions = {}): string {
  const text = field(value, 'text') ?? '';
  return field(value, 'type') === 'mrkdwn'
    ? mrkdwnToPlain(text, options)
    : text.replace(/:([a-z0-9_+-]+):/g, (whole, code: string) => emojiFor(code) ?? whole);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that starts an ANSI style is the point.
const ANSI_STYLE = /\x1b\[[0-9;]*m/g;

/** Characters a reader sees: ANSI escapes take no room. */
function displayWidth(s: string): number {
  return [...s.replace(ANSI_STYLE, '')].length;
}

/** Greedy word wrap that keeps the author's line breaks and splits words longer than the width. */
export function wrap(text: string, width: number): string[] {
  const max = Math.max(width, 10);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let rest = word;
      while (displayWidth(rest) > max) {
        if (line) out.push(line);
        line = '';
        out.push([...rest].slice(0, max).join(''));
        rest = [...rest].slice(max).join('');
      }
      if (!line) line = rest;
      else if (displayWidth(line) + 1 + displayWidth(rest) <= max) line += ` ${rest}`;
      else {
        out.push(line);
        line = rest;
      }
    }
    out.push(line);
  }
  return out;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

function optionLabels(element: Json, options: RenderOptions): string[] {
  const list = Array.isArray(element['options']) ? element['options'] : [];
  return list.map((option) => textOf(isObject(option) ? option['text'] : undefined, options));
}

/** An interactive element on one line, as a person sees it: a button by its label, a menu by its choices. */
function renderElement(element: unknown, options: RenderOptions): string {
  if (!isObject(element)) return '[?]';
  switch (element['type']) {
    case 'button': {
      const label = textOf(element['text'], options);
      const style = element['style'];
      const face =
        style === 'primary' ? `[[ ${label} ]]` : style === 'danger' ? `[! ${label} ]` : `[ ${label} ]`;
      const url = field(element, 'url');
      return `${face}${url ? ` (${url})` : ''}`;
    }
    case 'static_select': {
      const initial = textOf(
        isObject(element['initial_option']) ? element['initial_option']['text'] : undefined,
        options,
      );
      const placeholder = textOf(element['placeholder'], options) || 'Select';
      return `[ ${initial || placeholder} ▾ ${optionLabels(element, options).join(' | ')} ]`;
    }
    case 'overflow':
      return `[ ⋯ ${optionLabels(element, options).join(' | ')} ]`;
    case 'checkboxes': {
      const initial = Array.isArray(element['initial_options']) ? element['initial_options'] : [];
      const checked = new Set(initial.map((option) => field(option, 'value')));
      const list = Array.isArray(element['options']) ? element['options'] : [];
      const boxes = list.map(
        (option) =>
          `${checked.has(field(option, 'value')) ? '☑' : '☐'} ${textOf(isObject(option) ? option['text'] : undefined, options)}`,
      );
      return boxes.join('  ');
    }
    case 'conversations_select': {
      const id = field(element, 'initial_conversation');
      return `[ #${id ? (options.names?.channel(id) ?? id) : '____'} ]`;
    }
    case 'plain_text_input': {
      const initial = field(element, 'initial_value');
      return initial ? `[${initial}]` : '____';
    }
    default:
      return `[${String(element['type'])}]`;
  }
}

/** Packs items onto lines of at most `width`, separated by two spaces. */
function pack(items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && displayWidth(line) + 2 + displayWidth(item) > width) {
      lines.push(line);
      line = item;
    } else line = line ? `${line}  ${item}` : item;
  }
  if (line) lines.push(line);
  return lines;
}

function renderFields(fields: unknown[], width: number, options: RenderOptions): string[] {
  const column = Math.floor((width - 3) / 2);
  const lines: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const left = wrap(textOf(fields[i], options), column);
    const right = i + 1 < fields.length ? wrap(textOf(fields[i + 1], options), column) : [];
    for (let row = 0; row < Math.max(left.length, right.length); row++) {
      lines.push(`${pad(left[row] ?? '', column)}   ${right[row] ?? ''}`.trimEnd());
    }
  }
  return lines;
}

function renderBlock(block: Json, width: number, options: RenderOptions): string[] {
  const color = options.color ?? false;
  switch (block['type']) {
    case 'header': {
      const text = textOf(block['text'], options).toUpperCase();
      const lines = wrap(text, width);
      const underline = '═'.repeat(Math.min(width, Math.max(...lines.map(displayWidth))));
      return [...lines.map((l) => (color ? BOLD(l) : l)), underline];
    }
    case 'section': {
      const lines = block['text'] !== undefined ? wrap(textOf(block['text'], options), width) : [];
      if (Array.isArray(block['fields'])) lines.push(...renderFields(block['fields'], width, options));
      if (block['accessory'] !== undefined) lines.push(`  ↳ ${renderElement(block['accessory'], options)}`);
      return lines;
    }
    case 'context': {
      const elements = Array.isArray(block['elements']) ? block['elements'] : [];
      const text = elements
        .map((e) =>
          field(e, 'type') === 'image' ? `[${field(e, 'alt_text') ?? 'image'}]` : textOf(e, options),
        )
        .join(' · ');
      return wrap(text, width - 4).map((l) => (color ? DIM(`  ┆ ${l}`) : `  ┆ ${l}`));
    }
    case 'actions': {
      const elements = Array.isArray(block['elements']) ? block['elements'] : [];
      return pack(
        elements.map((e) => renderElement(e, options)),
        width,
      );
    }
    case 'divider':
      return ['─'.repeat(width)];
    case 'input': {
      const label = textOf(block['label'], options);
      const element = isObject(block['element']) ? block['element'] : {};
      const face = renderElement(element, options);
      const hint = block['hint'] !== undefined ? ` (${textOf(block['hint'], options)})` : '';
      const optional = block['optional'] === true ? ' (optional)' : '';
      return wrap(`${label}${optional}: ${face}${hint}`, width);
    }
    case 'image':
      return [`[image: ${field(block, 'alt_text') ?? ''}]`];
    default:
      return [`[${String(block['type'])} block]`];
  }
}

export function renderBlocks(blocks: unknown[], width = 100, options: RenderOptions = {}): string {
  const lines: string[] = [];
  blocks.forEach((block, i) => {
    if (!isObject(block)) return;
    // A blank line before each header after the first keeps groups apart, as Slack's spacing does.
    if (block['type'] === 'header' && i > 0) lines.push('');
    lines.push(...renderBlock(block, width, options));
  });
  return lines.join('\n');
}

/** A modal or Home tab: title bar, blocks, and for modals the close/submit buttons. */
export function renderView(view: unknown, width = 100, options: RenderOptions = {}): string {
  if (!isObject(view)) return '[no view]';
  const isModal = view['type'] === 'modal';
  const title = isModal ? textOf(view['title'], options) : 'Home tab';
  const heading = `┌─ ${title} `;
  const top = heading + '─'.repeat(Math.max(0, width - displayWidth(heading)));
  const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
  const lines = [options.color ? BOLD(top) : top, renderBlocks(blocks, width, options)];
  if (isModal) {
    const close = textOf(view['close'], options) || 'Cancel';
    const submit =
      view['submit'] !== undefined && view['submit'] !== null
        ? `  [[ ${textOf(view['submit'], options)} ]]`
        : '';
    lines.push(`└─ [ ${close} ]${submit}`);
  } else {
    lines.push(`└${'─'.repeat(width - 1)}`);
  }
  return lines.join('\n');
}

/** A button a person can press, as shown (label) with what pressing it sends. */
export interface ShownButton {
  readonly label: string;
  readonly actionId: string;
  readonly value: string;
  readonly url?: string;
}

/** Every button in blocks (sections' accessories and actions blocks), in order. */
export function buttonsIn(blocks: unknown): ShownButton[] {
  if (!Array.isArray(blocks)) return [];
  const elements = blocks.flatMap((block) => {
    if (!isObject(block)) return [];
    if (block['type'] === 'actions' && Array.isArray(block['elements'])) return block['elements'];
    return block['accessory'] !== undefined ? [block['accessory']] : [];
  });
  return elements.flatMap((element) => {
    if (!isObject(element) || element['type'] !== 'button') return [];
    const url = field(element, 'url');
    return [
      {
        label: textOf(element['text']),
        actionId: field(element, 'action_id') ?? '',
        value: field(element, 'value') ?? '',
        ...(url ? { url } : {}),
      },
    ];
  });
}
