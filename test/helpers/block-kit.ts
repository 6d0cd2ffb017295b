/**
 * A Block Kit linter for tests: every view the app renders goes through it, so a block shape Slack
 * would refuse (or a limit it would enforce) fails in CI rather than in a customer's workspace.
 * Covers the block and element types finsync uses; anything else is reported as unsupported.
 * Problems are returned as `path: what is wrong` strings; an empty list means fine.
 */

export type SurfaceKind = 'message' | 'modal' | 'home';

export interface BlockKitPayload {
  text?: string;
  blocks?: unknown[];
  /** Modal chrome, checked when present (each ≤ 24 characters). */
  title?: unknown;
  submit?: unknown;
  close?: unknown;
}

type Json = Record<string, unknown>;
type Report = (path: string, problem: string) => void;

const BLOCK_LIMIT: Record<SurfaceKind, number> = { message: 50, modal: 100, home: 100 };
const BROADCAST = /<!(channel|here|everyone)(\|[^>]*)?>/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkText(
  value: unknown,
  path: string,
  report: Report,
  { max, plainOnly = false }: { max: number; plainOnly?: boolean },
): void {
  if (!isObject(value)) {
    report(path, 'text object missing');
    return;
  }
  const type = value['type'];
  if (type !== 'plain_text' && type !== 'mrkdwn') {
    report(path, 'text type must be plain_text or mrkdwn');
    return;
  }
  if (plainOnly && type !== 'plain_text') report(path, 'must be plain_text');
  const text = value['text'];
  if (typeof text !== 'string' || text.length === 0) {
    report(`${path}.text`, 'must be a non-empty string');
    return;
  }
  if (text.length > max) report(`${path}.text`, `${text.length} characters > ${max}`);
}

function checkId(value: unknown, path: string, report: Report, required: boolean): void {
  if (value === undefined) {
    if (required) report(path, 'missing (listeners route on it)');
    return;
  }
  if (typeof value !== 'string' || value.length === 0) {
    report(path, 'must be a non-empty string');
    return;
  }
  if (value.length > 255) report(path, `${value.length} characters > 255`);
}

function checkOptions(value: unknown, path: string, report: Report, min: number, max: number): void {
  if (!Array.isArray(value)) {
    report(path, 'options must be an array');
    return;
  }
  if (value.length < min || value.length > max) {
    report(path, `${value.length} options, expected ${min}–${max}`);
  }
  value.forEach((option, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(option)) {
      report(at, 'option must be an object');
      return;
    }
    checkText(option['text'], `${at}.text`, report, { max: 75 });
    const optionValue = option['value'];
    if (typeof optionValue !== 'string' || optionValue.length === 0) {
      report(`${at}.value`, 'must be a non-empty string');
    } else if (optionValue.length > 150) {
      report(`${at}.value`, `${optionValue.length} characters > 150`);
    }
  });
}

function checkConfirm(value: unknown, path: string, report: Report): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    report(path, 'confirm must be an object');
    return;
  }
  checkText(value['title'], `${path}.title`, report, { max: 100, plainOnly: true });
  checkText(value['text'], `${path}.text`, report, { max: 300 });
  checkText(value['confirm'], `${path}.confirm`, report, { max: 30, plainOnly: true });
  checkText(value['deny'], `${path}.deny`, report, { max: 30, plainOnly: true });
}

function checkPlaceholder(element: Json, path: string, report: Report): void {
  if (element['placeholder'] !== undefined) {
    checkText(element['placeholder'], `${path}.placeholder`, report, { max: 150, plainOnly: true });
  }
}

/** Interactive elements: in actions blocks, as section accessories, and inside input blocks. */
function checkElement(element: unknown, path: string, report: Report, allowed: readonly string[]): void {
  if (!isObject(element)) {
    report(path, 'element must be an object');
    return;
  }
  const type = element['type'];
  if (typeof type !== 'string' || !allowed.includes(type)) {
    report(`${path}.type`, `unsupported element ${String(type)} (allowed: ${allowed.join(', ')})`);
    return;
  }
  const isUrlButton = type === 'button' && typeof element['url'] === 'string';
  checkId(element['action_id'], `${path}.action_id`, report, !isUrlButton);
  checkConfirm(element['confirm'], `${path}.confirm`, report);
  switch (type) {
    case 'button': {
      checkText(element['text'], `${path}.text`, report, { max: 75, plainOnly: true });
      const style = element['style'];
      if (style !== undefined && style !== 'primary' && style !== 'danger') {
        report(`${path}.style`, 'must be primary or danger');
      }
      const value = element['value'];
      if (typeof value === 'string' && value.length > 2000) {
        report(`${path}.value`, `${value.length} characters > 2000`);
      }
      const url = element['url'];
      if (typeof url === 'string' && url.length > 3000) {
        report(`${path}.url`, `${url.length} characters > 3000`);
      }
      break;
    }
    case 'static_select': {
      checkPlaceholder(element, path, report);
      if (element['option_groups'] !== undefined) break;
      const options = element['options'];
      checkOptions(options, `${path}.options`, report, 1, 100);
      const initial = element['initial_option'];
      // Slack refuses an initial option that is not one of the options.
      if (isObject(initial) && Array.isArray(options)) {
        const known = options.some((o) => isObject(o) && o['value'] === initial['value']);
        if (!known) report(`${path}.initial_option`, 'not one of the options');
      }
      break;
    }
    case 'overflow':
      checkOptions(element['options'], `${path}.options`, report, 1, 5);
      break;
    case 'checkboxes':
      checkOptions(element['options'], `${path}.options`, report, 1, 10);
      break;
    case 'radio_buttons': {
      const options = element['options'];
      checkOptions(options, `${path}.options`, report, 1, 10);
      const initial = element['initial_option'];
      if (isObject(initial) && Array.isArray(options)) {
        const known = options.some((o) => isObject(o) && o['value'] === initial['value']);
        if (!known) report(`${path}.initial_option`, 'not one of the options');
      }
      break;
    }
    case 'conversations_select':
      checkPlaceholder(element, path, report);
      break;
    case 'plain_text_input': {
      checkPlaceholder(element, path, report);
      const max = element['max_length'];
      if (typeof max === 'number' && max > 3000) report(`${path}.max_length`, `${max} > 3000`);
      break;
    }
    default:
      break;
  }
}

// The same interactive elements are allowed in actions blocks and as section accessories.
const INTERACTIVE_ELEMENTS = [
  'button',
  'static_select',
  'overflow',
  'conversations_select',
  'checkboxes',
] as const;
const INPUT_ELEMENTS = [
  'plain_text_input',
  'static_select',
  'checkboxes',
  'conversations_select',
  'radio_buttons',
] as const;

function checkBlock(block: Json, path: string, report: Report): void {
  switch (block['type']) {
    case 'divider':
      break;
    case 'header':
      checkText(block['text'], `${path}.text`, report, { max: 150, plainOnly: true });
      break;
    case 'section': {
      const fields = block['fields'];
      if (block['text'] === undefined && fields === undefined) report(path, 'section needs text or fields');
      if (block['text'] !== undefined) checkText(block['text'], `${path}.text`, report, { max: 3000 });
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length === 0) {
          report(`${path}.fields`, 'must be a non-empty array');
        } else {
          if (fields.length > 10) report(`${path}.fields`, `${fields.length} fields > 10`);
          for (const [i, field] of fields.entries())
            checkText(field, `${path}.fields[${i}]`, report, { max: 2000 });
        }
      }
      if (block['accessory'] !== undefined) {
        checkElement(block['accessory'], `${path}.accessory`, report, INTERACTIVE_ELEMENTS);
      }
      break;
    }
    case 'context': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0) {
        report(`${path}.elements`, 'must be a non-empty array');
        return;
      }
      if (elements.length > 10) report(`${path}.elements`, `${elements.length} elements > 10`);
      for (const [i, element] of elements.entries()) {
        checkText(element, `${path}.elements[${i}]`, report, { max: 3000 });
      }
      break;
    }
    case 'actions': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0) {
        report(`${path}.elements`, 'must be a non-empty array');
        return;
      }
      if (elements.length > 25) report(`${path}.elements`, `${elements.length} elements > 25`);
      for (const [i, element] of elements.entries()) {
        checkElement(element, `${path}.elements[${i}]`, report, INTERACTIVE_ELEMENTS);
      }
      const primaries = elements.filter((e) => isObject(e) && e['style'] === 'primary').length;
      if (primaries > 1) report(`${path}.elements`, `${primaries} primary buttons, at most 1`);
      break;
    }
    case 'input': {
      checkText(block['label'], `${path}.label`, report, { max: 2000, plainOnly: true });
      if (block['hint'] !== undefined) {
        checkText(block['hint'], `${path}.hint`, report, { max: 2000, plainOnly: true });
      }
      checkElement(block['element'], `${path}.element`, report, INPUT_ELEMENTS);
      const optional = block['optional'];
      if (optional !== undefined && typeof optional !== 'boolean') {
        report(`${path}.optional`, 'must be a boolean');
      }
      break;
    }
    default:
      report(`${path}.type`, `unsupported block type ${String(block['type'])}`);
  }
}

export function checkBlockKit(payload: BlockKitPayload, kind: SurfaceKind): string[] {
  const problems: string[] = [];
  const report: Report = (path, problem) => {
    problems.push(`${path}: ${problem}`);
  };
  if (kind === 'message' && (typeof payload.text !== 'string' || payload.text.trim() === '')) {
    report(
      'text',
      'messages need a meaningful top-level text (notifications and screen readers read only that)',
    );
  }
  if (kind === 'modal') {
    if (payload.title !== undefined) checkText(payload.title, 'title', report, { max: 24, plainOnly: true });
    if (payload.submit !== undefined) {
      checkText(payload.submit, 'submit', report, { max: 24, plainOnly: true });
    }
    if (payload.close !== undefined) checkText(payload.close, 'close', report, { max: 24, plainOnly: true });
  }
  const blocks = payload.blocks ?? [];
  if (!Array.isArray(blocks)) {
    report('blocks', 'must be an array');
  } else {
    if (blocks.length > BLOCK_LIMIT[kind]) {
      report('blocks', `${blocks.length} blocks > ${BLOCK_LIMIT[kind]} for a ${kind}`);
    }
    const blockIds = new Set<string>();
    blocks.forEach((block, i) => {
      const path = `blocks[${i}]`;
      if (!isObject(block)) {
        report(path, 'block must be an object');
        return;
      }
      const blockId = block['block_id'];
      checkId(blockId, `${path}.block_id`, report, false);
      if (typeof blockId === 'string') {
        if (blockIds.has(blockId)) report(`${path}.block_id`, `duplicate block_id ${blockId}`);
        blockIds.add(blockId);
      }
      checkBlock(block, path, report);
    });
  }
  const broadcast = BROADCAST.exec(JSON.stringify(payload));
  if (broadcast) report('(anywhere)', `contains ${broadcast[0]}: no @channel/@here/@everyone pings`);
  return problems;
}
