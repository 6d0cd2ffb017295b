/**
 * Renders Block Kit as readable terminal text for the sandbox, so a person trying finsync without Slack
 * sees what Slack would show: headers, sections, two-column fields, dimmed context, buttons with the
 * action ids the sandbox lets them press, and inputs with the ids a submission needs.
 * Pure: no I/O, ANSI styling only when asked for.
 */

export interface RenderOptions {
  /** Bold headers and dim context lines with ANSI escapes (for a TTY). Off by default. */
  color?: boolean;
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

/** Slack's mrkdwn to what a reader sees: links, mentions and dates resolved, entities unescaped. */
export function mrkdwnToPlain(text: string): string {
  const resolved = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? '' : inner.slice(bar + 1);
    if (target.startsWith('!date^')) return label || target;
    if (target.startsWith('!subteam^')) return label || `@${target.slice('!subteam^'.length)}`;
    if (target.startsWith('!')) return `@${target.slice(1)}`;
    if (target.startsWith('#')) return `#${label || target.slice(1)}`;
    if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : target;
    return label ? `${label} (${target})` : target;
  });
  // &amp; last, so an escaped "&amp;lt;" becomes the literal "&lt;" the author wrote.
  return resolved.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A text object's readable text: mrkdwn resolved, plain_text as written. */
function textOf(value: unknown): string {
  const text = field(value, 'text') ?? '';
  return field(value, 'type') === 'mrkdwn' ? mrkdwnToPlain(text) : text;
}

function displayWidth(s: string): number {
  return [...s].length;
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

function optionLabels(element: Json): string[] {
  const options = Array.isArray(element['options']) ? element['options'] : [];
  return options.map((option) => textOf(isObject(option) ? option['text'] : undefined));
}

/** An interactive element on one line, ids in ‹› so the sandbox user knows what to press. */
function renderElement(element: unknown): string {
  if (!isObject(element)) return '[?]';
  const id = field(element, 'action_id');
  const tag = id ? `‹${id}›` : '';
  switch (element['type']) {
    case 'button': {
      const label = textOf(element['text']);
      const style = element['style'];
      const face =
        style === 'primary' ? `[[ ${label} ]]` : style === 'danger' ? `[! ${label} ]` : `[ ${label} ]`;
      const url = field(element, 'url');
      return `${face}${tag}${url ? ` (${url})` : ''}`;
    }
    case 'static_select': {
      const initial = textOf(
        isObject(element['initial_option']) ? element['initial_option']['text'] : undefined,
      );
      const placeholder = textOf(element['placeholder']) || 'Select';
      return `[ ${initial || placeholder} ▾ ${optionLabels(element).join(' | ')} ]${tag}`;
    }
    case 'overflow':
      return `[ ⋯ ${optionLabels(element).join(' | ')} ]${tag}`;
    case 'checkboxes': {
      const initial = Array.isArray(element['initial_options']) ? element['initial_options'] : [];
      const checked = new Set(initial.map((option) => field(option, 'value')));
      const options = Array.isArray(element['options']) ? element['options'] : [];
      const boxes = options.map(
        (option) =>
          `${checked.has(field(option, 'value')) ? '☑' : '☐'} ${textOf(isObject(option) ? option['text'] : undefined)}`,
      );
      return `${boxes.join('  ')} ${tag}`.trim();
    }
    case 'conversations_select':
      return `[ #${field(element, 'initial_conversation') ?? '____'} ]${tag}`;
    case 'plain_text_input': {
      const initial = field(element, 'initial_value');
      return `${initial ? `[${initial}]` : '____'}${tag}`;
    }
    default:
      return `[${String(element['type'])}]${tag}`;
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

function renderFields(fields: unknown[], width: number): string[] {
  const column = Math.floor((width - 3) / 2);
  const lines: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const left = wrap(textOf(fields[i]), column);
    const right = i + 1 < fields.length ? wrap(textOf(fields[i + 1]), column) : [];
    for (let row = 0; row < Math.max(left.length, right.length); row++) {
      lines.push(`${pad(left[row] ?? '', column)}   ${right[row] ?? ''}`.trimEnd());
    }
  }
  return lines;
}

function renderBlock(block: Json, width: number, color: boolean): string[] {
  switch (block['type']) {
    case 'header': {
      const text = textOf(block['text']).toUpperCase();
      const lines = wrap(text, width);
      const underline = '═'.repeat(Math.min(width, Math.max(...lines.map(displayWidth))));
      return [...lines.map((l) => (color ? BOLD(l) : l)), underline];
    }
    case 'section': {
      const lines = block['text'] !== undefined ? wrap(textOf(block['text']), width) : [];
      if (Array.isArray(block['fields'])) lines.push(...renderFields(block['fields'], width));
      if (block['accessory'] !== undefined) lines.push(`  ↳ ${renderElement(block['accessory'])}`);
      return lines;
    }
    case 'context': {
      const elements = Array.isArray(block['elements']) ? block['elements'] : [];
      const text = elements
        .map((e) => (field(e, 'type') === 'image' ? `[${field(e, 'alt_text') ?? 'image'}]` : textOf(e)))
        .join(' · ');
      return wrap(text, width - 4).map((l) => (color ? DIM(`  ┆ ${l}`) : `  ┆ ${l}`));
    }
    case 'actions': {
      const elements = Array.isArray(block['elements']) ? block['elements'] : [];
      return pack(elements.map(renderElement), width);
    }
    case 'divider':
      return ['─'.repeat(width)];
    case 'input': {
      const label = textOf(block['label']);
      const element = isObject(block['element']) ? block['element'] : {};
      const blockId = field(block, 'block_id');
      const actionId = field(element, 'action_id');
      // A submission needs both ids, so show them together in place of the element's own tag.
      const face = renderElement({ ...element, action_id: undefined });
      const hint = block['hint'] !== undefined ? ` (${textOf(block['hint'])})` : '';
      const optional = block['optional'] === true ? ' (optional)' : '';
      const ids = blockId || actionId ? ` ‹${blockId ?? '?'}.${actionId ?? '?'}›` : '';
      return wrap(`${label}${optional}: ${face}${hint}${ids}`, width);
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
    lines.push(...renderBlock(block, width, options.color ?? false));
  });
  return lines.join('\n');
}

/** A modal or Home tab: title bar, blocks, and for modals the close/submit buttons. */
export function renderView(view: unknown, width = 100, options: RenderOptions = {}): string {
  if (!isObject(view)) return '[no view]';
  const isModal = view['type'] === 'modal';
  const title = isModal ? textOf(view['title']) : 'Home tab';
  const callbackId = field(view, 'callback_id');
  const heading = `┌─ ${title}${callbackId ? ` ‹${callbackId}›` : ''} `;
  const top = heading + '─'.repeat(Math.max(0, width - displayWidth(heading)));
  const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
  const lines = [options.color ? BOLD(top) : top, renderBlocks(blocks, width, options)];
  if (isModal) {
    const close = textOf(view['close']) || 'Cancel';
    const submit =
      view['submit'] !== undefined && view['submit'] !== null ? `  [[ ${textOf(view['submit'])} ]]` : '';
    lines.push(`└─ [ ${close} ]${submit}`);
  } else {
    lines.push(`└${'─'.repeat(width - 1)}`);
  }
  return lines.join('\n');
}
