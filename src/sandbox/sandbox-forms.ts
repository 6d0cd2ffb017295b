/**
 * Filling a modal in the sandbox as a person would: the form is shown first (its explanation, then its
 * questions), each input is asked for in turn (optional ones say so), and the answers are submitted as
 * Slack's view_submission. A line starting with `/finsync` (or `open …`) typed at a question leaves the form
 * unsubmitted, as closing the modal does, and is then played as typed. A form that offers a link page (Plaid
 * Link) first asks whether to open it, as its button would; the page's result updates the modal.
 */
import { buttonsIn, type RenderOptions, renderView } from './render-blocks.ts';
import { isLinkPage } from './sandbox-browser.ts';
import { sendViewSubmission, stateValue, type ViewStateValues } from './slack-requests.ts';

/** Asks for one modal field; the default is what the sandbox's emulators accept. */
export type AskField = (label: string, fallback: string, secret?: boolean) => Promise<string>;

export interface FormOutcome {
  readonly output: string;
  readonly ok: boolean;
  /** A line typed instead of an answer: the form was left and this is played next. */
  readonly playNext?: string;
}

interface InputBlock {
  type: string;
  block_id?: string;
  label?: { text: string };
  optional?: boolean;
  element?: { type: string; initial_value?: string; options?: { value: string }[] };
}

export interface FormContext {
  readonly target: { url: string; signingSecret: string };
  readonly userId: string;
  readonly ask: AskField;
  /** Prints now, before the questions; absent, the form is part of the outcome's output. */
  readonly show?: (text: string) => void;
  readonly render: RenderOptions;
  /** The default answer of a field, by block id, for the form's provider; `secret`: not to be printed. */
  defaultFor(
    blockId: string,
    provider: string,
  ): Promise<{ readonly value: string; readonly secret: boolean }>;
}

/** A typed line that is not an answer: a command, or following a link. */
function leavesForm(answer: string): boolean {
  return /^\/finsync\b/.test(answer.trim()) || /^open\b/.test(answer.trim());
}

export async function fillModal(view: Record<string, unknown>, ctx: FormContext): Promise<FormOutcome> {
  const shown = renderView(view, 100, ctx.render);
  const lines: string[] = [];
  if (ctx.show) ctx.show(shown);
  else lines.push(shown);
  const left = (line: string): FormOutcome => ({
    output: [...lines, 'Form closed without submitting.'].join('\n'),
    ok: true,
    playNext: line.trim(),
  });
  const link = buttonsIn(view['blocks']).find((button) => button.url && isLinkPage(button.url));
  if (link?.url) {
    const answer = await ctx.ask(`${link.label}? (Y/n: n types the form instead)`, 'y');
    if (leavesForm(answer)) return left(answer);
    if (!/^n/i.test(answer.trim()))
      return { output: lines.join('\n'), ok: true, playNext: `open ${link.url}` };
  }
  const meta = JSON.parse(String(view['private_metadata'] ?? '{}')) as { provider?: string };
  const values: ViewStateValues = {};
  for (const block of (view['blocks'] as InputBlock[]) ?? []) {
    if (block.type !== 'input' || !block.block_id) continue;
    const label = `${block.label?.text ?? block.block_id}${block.optional ? ' (optional)' : ''}`;
    let answer: string;
    if (block.element?.type === 'checkboxes') {
      answer = await ctx.ask(`${label} (y/N)`, 'n');
      if (leavesForm(answer)) return left(answer);
      values[block.block_id] = { value: stateValue.checkboxes(/^y/i.test(answer) ? ['delete'] : []) };
      continue;
    }
    if (block.element?.type === 'static_select') {
      const options = block.element.options?.map((o) => o.value) ?? [];
      answer = await ctx.ask(`${label} (${options.join(', ')})`, options[0] ?? '');
      if (leavesForm(answer)) return left(answer);
      values[block.block_id] = { value: stateValue.select(answer) };
      continue;
    }
    const fallback =
      block.element?.initial_value !== undefined
        ? { value: block.element.initial_value, secret: false }
        : await ctx.defaultFor(block.block_id, meta.provider ?? '');
    answer = await ctx.ask(label, fallback.value, fallback.secret);
    if (leavesForm(answer)) return left(answer);
    values[block.block_id] = { value: stateValue.text(answer === '' ? null : answer) };
  }
  const reply = await sendViewSubmission(ctx.target, {
    callbackId: String(view['callback_id'] ?? ''),
    values,
    privateMetadata: String(view['private_metadata'] ?? ''),
    userId: ctx.userId,
  });
  const body = reply.body as
    | { response_action?: string; errors?: Record<string, string>; view?: unknown }
    | string;
  if (typeof body === 'object' && body?.response_action === 'errors') {
    lines.push(...Object.values(body.errors ?? {}).map((e) => `✗ ${e}`));
    return { output: lines.join('\n'), ok: false };
  }
  if (typeof body === 'object' && body?.response_action === 'update' && body.view) {
    const next = body.view as Record<string, unknown>;
    // A picker swaps itself for the next form: fill that one too.
    if ((next['blocks'] as InputBlock[] | undefined)?.some((b) => b.type === 'input')) {
      const result = await fillModal(next, ctx);
      return { ...result, output: [...lines, result.output].filter((s) => s !== '').join('\n') };
    }
    lines.push(renderView(next, 100, ctx.render));
    return { output: lines.join('\n'), ok: !/Nothing was saved|went wrong/.test(JSON.stringify(next)) };
  }
  return { output: lines.join('\n'), ok: reply.status === 200 };
}
