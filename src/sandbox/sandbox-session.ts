/**
 * One sandbox session: the real finsync app against the Slack, Stripe and Plaid emulators, with a temporary
 * data folder and generated keys. `handle(line)` plays what a person does in Slack and returns what they
 * would see, as text. Used by the interactive prompt and by `--script`.
 */
import { integrationFor, providerFor } from '../../connectors/registry.ts';
import { fieldBlockId } from '../messages/connect.ts';
import { type EmulatedWorld, emulatorOf, startEmulatedWorld } from './emulated-world.ts';
import { renderBlocks, renderView } from './render-blocks.ts';
import { ChannelWatcher, SANDBOX_CHANNEL } from './sandbox-channels.ts';
import type { SlackEmulator } from './slack-emulator.ts';
import {
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
  type ViewStateValues,
} from './slack-requests.ts';

export const SANDBOX_USER = 'USANDBOX01';

/** Asks for one modal field; the default is what the sandbox's emulators accept. */
export type AskField = (label: string, fallback: string) => Promise<string>;

interface InputBlock {
  type: string;
  block_id?: string;
  label?: { text: string };
  optional?: boolean;
  element?: { type: string; initial_value?: string; options?: { value: string }[] };
}

export interface SandboxOutcome {
  readonly output: string;
  readonly ok: boolean;
}

const ERROR_MARK = /^:(warning|x|lock|mag|no_entry|construction):/;

export class SandboxSession {
  private responseCount = 0;
  private readonly slack: SlackEmulator;
  private readonly target: { url: string; signingSecret: string };

  private readonly channels: ChannelWatcher;

  private constructor(private readonly world: EmulatedWorld) {
    this.slack = world.slack;
    this.target = world.target;
    this.channels = new ChannelWatcher(world);
  }

  static async start(options: { stripeObjects?: number } = {}): Promise<SandboxSession> {
    const world = await startEmulatedWorld({
      admins: [SANDBOX_USER],
      emulators: { stripe: { count: options.stripeObjects ?? 500 } },
      // Slack's pace is 1 message/s per channel; a quarter of that keeps the demo brisk.
      app: { logStream: process.stderr, schedulerPollMs: 500, outbox: { paceMs: 250 } },
    });
    return new SandboxSession(world);
  }

  async close(): Promise<void> {
    await this.world.close();
  }

  /**
   * What the sandbox types into a connect form: credentials the provider's emulator accepts (its descriptor's
   * `formAnswers`); for a link-page provider, what its page would post, made in the provider's sandbox (no
   * browser here to run the page).
   */
  private async defaultFor(blockId: string, provider: string): Promise<string> {
    const answers = await this.formAnswers(provider);
    return Object.entries(answers).find(([key]) => fieldBlockId(key) === blockId)?.[1] ?? '';
  }

  private async formAnswers(provider: string): Promise<Readonly<Record<string, string>>> {
    const mode = integrationFor(provider)?.connect;
    if (mode?.kind === 'link' && mode.sandboxCompletion)
      return mode.sandboxCompletion(this.world.app.core.finsync.deps.connectorContext(provider));
    const emulator = providerFor(provider)?.emulator;
    const running = emulatorOf(this.world, provider);
    return emulator?.formAnswers && running ? emulator.formAnswers(running) : {};
  }

  /**
   * Plays one line: `/finsync …`, `home`, `click <action_id> [value]`, `revoke stripe` / `restore stripe`.
   * `fails: <line>` plays a line that is expected to report a failure (a demo of an outage).
   */
  async handle(line: string, ask: AskField): Promise<SandboxOutcome> {
    const expectFailure = /^fails:\s*/.exec(line.trim());
    if (expectFailure) {
      const result = await this.handle(line.trim().slice(expectFailure[0].length), ask);
      return { output: result.output, ok: !result.ok };
    }
    const switched = this.channels.providerSwitch(line.trim());
    if (switched !== null) return { output: switched, ok: true };
    const result = await this.play(line, ask);
    const activity = await this.channels.activity();
    return { output: [result.output, ...activity].filter((s) => s !== '').join('\n'), ok: result.ok };
  }

  private async play(line: string, ask: AskField): Promise<SandboxOutcome> {
    const text = line.trim();
    const openedBefore = this.slack.callsTo('views.open').length;
    let out: string[] = [];
    let ok = true;
    if (text.startsWith('/finsync')) {
      const reply = await sendSlashCommand(this.target, {
        text: text.slice('/finsync'.length).trim(),
        userId: SANDBOX_USER,
        channelId: SANDBOX_CHANNEL.id,
        channelName: SANDBOX_CHANNEL.name,
        responseUrl: this.slack.responseUrl(`s${Date.now()}`),
      });
      ok = reply.status === 200;
      const body = reply.body as { text?: string; blocks?: unknown[] } | string;
      if (typeof body === 'object' && body?.blocks) out.push(renderBlocks(body.blocks));
      if (
        typeof body === 'object' &&
        body?.text &&
        ERROR_MARK.test(String((body.blocks?.[0] as { text?: { text?: string } })?.text?.text ?? ''))
      )
        ok = false;
    } else if (text === 'home') {
      await sendEvent(this.target, {
        type: 'app_home_opened',
        user: SANDBOX_USER,
        channel: 'DSANDBOX',
        tab: 'home',
      });
      const view = this.slack.homeView(SANDBOX_USER);
      out.push(view ? renderView(view) : '(no Home tab published)');
    } else if (text.startsWith('click ')) {
      const [, actionId = '', value = ''] = text.split(/\s+/);
      const reply = await sendBlockAction(this.target, {
        actionId,
        value,
        userId: SANDBOX_USER,
        channelId: SANDBOX_CHANNEL.id,
        responseUrl: this.slack.responseUrl(`c${Date.now()}`),
      });
      ok = reply.status === 200;
    } else {
      return {
        output:
          'Type /finsync <command>, home, click <action_id> [value], revoke stripe, restore stripe, or exit.',
        ok: false,
      };
    }
    const modal = this.slack.callsTo('views.open').slice(openedBefore).at(-1);
    if (modal) {
      const result = await this.fillModal(modal.args['view'] as Record<string, unknown>, ask);
      out.push(result.output);
      ok = ok && result.ok;
    }
    const followUps = await this.newResponses(
      text.includes(' sync ') || text.startsWith('/finsync sync') ? 30_000 : 400,
    );
    for (const body of followUps) {
      out.push(renderBlocks((body as { blocks?: unknown[] }).blocks ?? []));
      const first = (
        (body as { blocks?: { text?: { text?: string } }[] }).blocks?.[0]?.text?.text ?? ''
      ).trim();
      if (ERROR_MARK.test(first) || /^:x: Failed/.test(first)) ok = false;
    }
    out = out.filter((s) => s.trim() !== '');
    return { output: out.join('\n'), ok };
  }

  /** Waits for response_url posts; for a sync, until its result arrives. */
  private async newResponses(maxWaitMs: number): Promise<unknown[]> {
    const deadline = Date.now() + maxWaitMs;
    let seen = this.responseCount;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const fresh = this.slack.responses.slice(this.responseCount);
      const last = JSON.stringify(fresh.at(-1)?.body ?? '');
      const syncStillRunning =
        maxWaitMs > 1000 && fresh.length > 0 && /sync started|records so far/.test(last);
      if ((fresh.length === seen - this.responseCount || Date.now() > deadline) && !syncStillRunning) break;
      if (Date.now() > deadline) break;
      seen = this.responseCount + fresh.length;
    }
    const fresh = this.slack.responses.slice(this.responseCount);
    this.responseCount += fresh.length;
    return fresh.map((r) => r.body);
  }

  private async fillModal(view: Record<string, unknown>, ask: AskField): Promise<SandboxOutcome> {
    const lines = [renderView(view)];
    const meta = JSON.parse(String(view['private_metadata'] ?? '{}')) as { provider?: string };
    const values: ViewStateValues = {};
    for (const block of (view['blocks'] as InputBlock[]) ?? []) {
      if (block.type !== 'input' || !block.block_id) continue;
      const label = block.label?.text ?? block.block_id;
      if (block.element?.type === 'checkboxes') {
        const answer = await ask(`${label} (y/N)`, 'n');
        values[block.block_id] = { value: stateValue.checkboxes(/^y/i.test(answer) ? ['delete'] : []) };
        continue;
      }
      if (block.element?.type === 'static_select') {
        const options = block.element.options?.map((o) => o.value) ?? [];
        const answer = await ask(`${label} (${options.join(', ')})`, options[0] ?? '');
        values[block.block_id] = { value: stateValue.select(answer) };
        continue;
      }
      const fallback =
        block.element?.initial_value ?? (await this.defaultFor(block.block_id, meta.provider ?? ''));
      const answer = await ask(label, fallback);
      values[block.block_id] = { value: stateValue.text(answer === '' ? null : answer) };
    }
    const reply = await sendViewSubmission(this.target, {
      callbackId: String(view['callback_id'] ?? ''),
      values,
      privateMetadata: String(view['private_metadata'] ?? ''),
      userId: SANDBOX_USER,
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
        const result = await this.fillModal(next, ask);
        return { output: [...lines, result.output].join('\n'), ok: result.ok };
      }
      lines.push(renderView(next));
      return { output: lines.join('\n'), ok: !/Nothing was saved|went wrong/.test(JSON.stringify(next)) };
    }
    return { output: lines.join('\n'), ok: reply.status === 200 };
  }
}
