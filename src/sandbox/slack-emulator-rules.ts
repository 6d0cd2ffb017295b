/**
 * The Block Kit limits the Slack emulator enforces, answered with the error codes Slack itself uses,
 * so a test or a sandbox session fails the way production would instead of passing silently.
 * Only the limits our app can plausibly hit are checked; test/helpers/block-kit.ts is the fuller linter.
 */

export const MESSAGE_BLOCK_LIMIT = 50;
export const VIEW_BLOCK_LIMIT = 100;
export const MODAL_TITLE_LIMIT = 24;
export const SECTION_TEXT_LIMIT = 3000;
export const SECTION_FIELDS_LIMIT = 10;
export const FIELD_TEXT_LIMIT = 2000;
export const HEADER_TEXT_LIMIT = 150;
export const ACTIONS_ELEMENTS_LIMIT = 25;

/** A Slack-shaped refusal: the `error` code plus the `[ERROR] … [json-pointer:…]` lines Slack adds. */
export interface Refusal {
  error: string;
  messages: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return isObject(value) && typeof value['text'] === 'string' ? value['text'] : undefined;
}

function tooLong(text: string | undefined, limit: number, pointer: string): string | undefined {
  if (text === undefined || text.length <= limit) return undefined;
  return `[ERROR] must be less than ${limit + 1} characters [json-pointer:${pointer}]`;
}

/** Problems in one list of blocks, as Slack words them; `base` is the JSON pointer of the list. */
export function blockProblems(blocks: unknown[], base: string): string[] {
  const problems: string[] = [];
  blocks.forEach((block, i) => {
    const at = `${base}/${i}`;
    if (!isObject(block) || typeof block['type'] !== 'string') {
      problems.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
      return;
    }
    const add = (problem: string | undefined) => {
      if (problem) problems.push(problem);
    };
    switch (block['type']) {
      case 'header':
        add(tooLong(textOf(block['text']), HEADER_TEXT_LIMIT, `${at}/text/text`));
        break;
      case 'section': {
        add(tooLong(textOf(block['text']), SECTION_TEXT_LIMIT, `${at}/text/text`));
        const fields = block['fields'];
        if (Array.isArray(fields)) {
          if (fields.length > SECTION_FIELDS_LIMIT) {
            problems.push(
              `[ERROR] must be no more than ${SECTION_FIELDS_LIMIT} items [json-pointer:${at}/fields]`,
            );
          }
          fields.forEach((field, f) => {
            add(tooLong(textOf(field), FIELD_TEXT_LIMIT, `${at}/fields/${f}/text`));
          });
        }
        break;
      }
      case 'actions': {
        const elements = block['elements'];
        if (Array.isArray(elements) && elements.length > ACTIONS_ELEMENTS_LIMIT) {
          problems.push(
            `[ERROR] must be no more than ${ACTIONS_ELEMENTS_LIMIT} items [json-pointer:${at}/elements]`,
          );
        }
        break;
      }
      default:
        break;
    }
  });
  return problems;
}

/** Checks a message (chat.postMessage, chat.update, chat.postEphemeral, response URLs). */
export function checkMessage(args: Json): Refusal | undefined {
  const blocks = args['blocks'];
  if (blocks !== undefined && !Array.isArray(blocks)) {
    return { error: 'invalid_blocks_format', messages: ['[ERROR] blocks must be a JSON array'] };
  }
  const hasText = typeof args['text'] === 'string' && args['text'].trim() !== '';
  const hasAttachments = Array.isArray(args['attachments']) && args['attachments'].length > 0;
  if (!hasText && !hasAttachments && (blocks === undefined || blocks.length === 0)) {
    return { error: 'no_text', messages: [] };
  }
  if (blocks === undefined) return undefined;
  if (blocks.length > MESSAGE_BLOCK_LIMIT) {
    return {
      error: 'invalid_blocks',
      messages: [`[ERROR] must be no more than ${MESSAGE_BLOCK_LIMIT} items [json-pointer:/blocks]`],
    };
  }
  const problems = blockProblems(blocks, '/blocks');
  return problems.length > 0 ? { error: 'invalid_blocks', messages: problems } : undefined;
}

/**
 * Checks a view for views.open/push/update (modal) or views.publish (home). Slack answers every
 * view problem, block limits included, with `invalid_arguments`.
 */
export function checkView(view: unknown, expected: 'modal' | 'home' | 'any'): Refusal | undefined {
  const refuse = (message: string): Refusal => ({ error: 'invalid_arguments', messages: [message] });
  if (!isObject(view)) return refuse('[ERROR] missing required field: view');
  const type = view['type'];
  if (type !== 'modal' && type !== 'home')
    return refuse('[ERROR] invalid view type [json-pointer:/view/type]');
  if (expected !== 'any' && type !== expected) {
    return refuse(`[ERROR] view type must be ${expected} [json-pointer:/view/type]`);
  }
  if (type === 'modal') {
    const title = textOf(view['title']);
    if (title === undefined) return refuse('[ERROR] missing required field: title [json-pointer:/view]');
    for (const key of ['title', 'submit', 'close']) {
      const problem = tooLong(textOf(view[key]), MODAL_TITLE_LIMIT, `/view/${key}/text`);
      if (problem) return refuse(problem);
    }
  }
  const blocks = view['blocks'];
  if (!Array.isArray(blocks)) return refuse('[ERROR] missing required field: blocks [json-pointer:/view]');
  if (blocks.length > VIEW_BLOCK_LIMIT) {
    return refuse(`[ERROR] must be no more than ${VIEW_BLOCK_LIMIT} items [json-pointer:/view/blocks]`);
  }
  const metadata = view['private_metadata'];
  if (typeof metadata === 'string' && metadata.length > 3000) {
    return refuse('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  }
  const problems = blockProblems(blocks, '/view/blocks');
  return problems.length > 0 ? { error: 'invalid_arguments', messages: problems } : undefined;
}
