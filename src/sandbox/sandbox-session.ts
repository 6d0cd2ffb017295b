/**
 * One sandbox session: the real finsync app against the Slack, Stripe and Plaid emulators, with a temporary
 * data folder and generated keys. `handle(line)` plays what a person does in Slack and returns what they
 * would see, as text. Used by the interactive prompt and by `--script`.
 */
import { integrationFor, providerFor } from '../../connectors/registry.ts';
import { fieldBlockId } from '../messages/connect.ts';
import { type EmulatedWorld, emulatorOf, freePort, startEmulatedWorld } from './emulated-world.ts';
import {
  buttonsIn,
  type RenderOptions,
  renderBlocks,
  renderView,
  type ShownButton,
} from './render-blocks.ts';
import { openInBrowser, type PageForm, submitForm } from './sandbox-browser.ts';
import { ChannelWatcher, SANDBOX_CHANNEL, SANDBOX_USER } from './sandbox-channels.ts';
import { type AskField, fillModal } from './sandbox-forms.ts';
import type { SlackEmulator } from './slack-emulator.ts';
import { sendBlockAction, sendEvent, sendSlashCommand } from './slack-requests.ts';

export { SANDBOX_USER } from './sandbox-channels.ts';
export type { AskField } from './sandbox-forms.ts';

export interface SandboxOutcome {
  readonly output: string;
  readonly ok: boolean;
}

const ERROR_MARK = /^:(warning|x|lock|mag|no_entry|construction):/;

export class SandboxSession {
  private responseCount = 0;
  /** The question the last page opened asks, answered with `choose <n>`. */
  private pageForm: PageForm | undefined;
  private readonly slack: SlackEmulator;
  private readonly target: { url: string; signingSecret: string };

  private readonly channels: ChannelWatcher;

  private constructor(readonly world: EmulatedWorld) {
    this.slack = world.slack;
    this.target = world.target;
    this.channels = new ChannelWatcher(world);
  }

  static async start(options: { stripeObjects?: number } = {}): Promise<SandboxSession> {
    const world = await startEmulatedWorld({
      admins: [SANDBOX_USER],
      // The links the sandbox prints (consent, Plaid Link) must reach the app: its real port, not 0.
      env: { PORT: String(await freePort()) },
      emulators: { stripe: { ...recentActivity(options.stripeObjects ?? 500, Date.now()) } },
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
  private async defaultFor(blockId: string, provider: string): Promise<{ value: string; secret: boolean }> {
    const answers = await this.formAnswers(provider);
    const [key, value = ''] = Object.entries(answers).find(([k]) => fieldBlockId(k) === blockId) ?? [];
    const declared = integrationFor(provider)?.credentialFields.find((f) => f.key === key);
    // A link page's answer (a one-time token) is a credential too.
    return { value, secret: declared?.secret === true || integrationFor(provider)?.connect.kind === 'link' };
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
   * Plays one line: `/finsync …`, `home`, `click <button label>` (or `click <action_id> [value]`),
   * `open <url>` (or `open <button label>`, or `open` for the last link shown), `revoke stripe` /
   * `restore stripe`. `fails: <line>` plays a line that is expected to report a failure (a demo of an
   * outage). `show`, when given, prints a form before its questions are asked.
   */
  async handle(line: string, ask: AskField, show?: (text: string) => void): Promise<SandboxOutcome> {
    const expectFailure = /^fails:\s*/.exec(line.trim());
    if (expectFailure) {
      const result = await this.handle(line.trim().slice(expectFailure[0].length), ask, show);
      return { output: result.output, ok: !result.ok };
    }
    const switched = this.channels.providerSwitch(line.trim());
    if (switched !== null) return { output: switched, ok: true };
    const payment = /^pay\s+(\S+)(?:\s+(failed))?$/.exec(line.trim());
    if (payment) {
      const paid = await this.pay(payment[1]!, payment[2] === 'failed');
      const activity = await this.channels.activity();
      return { output: [paid.output, ...activity].join('\n'), ok: paid.ok };
    }
    const result = await this.play(line, ask, show);
    const activity = await this.channels.activity();
    const output = [result.output, ...activity].filter((s) => s !== '').join('\n');
    if (result.playNext === undefined) return { output, ok: result.ok };
    // A line typed at a form's question instead of an answer: the form is left, the line is played.
    if (show && output !== '') show(output);
    const next = await this.handle(result.playNext, ask, show);
    return {
      output: show ? next.output : [output, `> ${result.playNext}`, next.output].join('\n'),
      ok: result.ok && next.ok,
    };
  }

  /**
   * `pay <request id>` (or `pay last`): the customer pays the request's link on Stripe's page (the emulator
   * completes a Checkout Session and sends Stripe's signed webhook to the app); `failed` makes the payment fail.
   */
  private async pay(which: string, failed: boolean): Promise<SandboxOutcome> {
    const store = this.world.app.store.paymentRequests;
    const request =
      which === 'last' ? (await store.list({ states: ['open'], limit: 1 }))[0] : await store.get(which);
    if (!request) return { output: `No payment request ${which === 'last' ? 'is open' : which}.`, ok: false };
    if (request.state !== 'open' || !request.linkId)
      return {
        output: `Payment request ${request.id} is ${request.state}: its link takes no payment.`,
        ok: false,
      };
    const payment = await this.world.stripe.control.payLink(request.linkId, {
      outcome: failed ? 'failed' : 'paid',
    });
    const verb = failed ? 'tried to pay' : 'paid';
    return {
      output: `The customer ${verb} ${request.url} (Stripe sent ${payment.eventId} to finsync's webhook: HTTP ${payment.delivered}).`,
      ok: payment.delivered === 200,
    };
  }

  /** How text is rendered here: names from the emulated workspace. */
  private get renderOptions(): RenderOptions {
    return { names: { channel: (id) => this.slack.channelName(id), user: (id) => this.slack.userName(id) } };
  }

  /** Buttons a person has been shown, newest first: replies, channel messages, modals and the Home tab. */
  private shownButtons(): ShownButton[] {
    const fromCalls = this.slack.calls.flatMap((call) => {
      const view = call.args['view'] as { blocks?: unknown } | undefined;
      return buttonsIn(call.args['blocks'] ?? view?.blocks);
    });
    const fromResponses = this.slack.responses.flatMap((r) =>
      buttonsIn((r.body as { blocks?: unknown }).blocks),
    );
    const fromReplies = this.replies.flatMap((blocks) => buttonsIn(blocks));
    return [...fromCalls, ...fromResponses, ...fromReplies].reverse();
  }

  private readonly replies: unknown[][] = [];

  private findButton(label: string): ShownButton | undefined {
    const wanted = label
      .replace(/^\[+!?\s*|\s*\]+$/g, '')
      .trim()
      .toLowerCase();
    return this.shownButtons().find((button) => button.label.trim().toLowerCase() === wanted);
  }

  private async play(
    line: string,
    ask: AskField,
    show?: (text: string) => void,
  ): Promise<SandboxOutcome & { playNext?: string }> {
    const text = line.trim();
    const openedBefore = this.slack.callsTo('views.open').length;
    const updatedBefore = this.slack.callsTo('views.update').length;
    let out: string[] = [];
    let ok = true;
    let playNext: string | undefined;
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
      if (typeof body === 'object' && body?.blocks) {
        this.replies.push(body.blocks);
        out.push(renderBlocks(body.blocks, 100, this.renderOptions));
      }
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
      out.push(view ? renderView(view, 100, this.renderOptions) : '(no Home tab published)');
    } else if (text.startsWith('click ')) {
      const what = text.slice('click '.length).trim();
      const button = this.findButton(what);
      const [actionId = '', value = ''] = button ? [button.actionId, button.value] : what.split(/\s+/);
      if (button?.url && !button.actionId) return this.play(`open ${button.url}`, ask, show);
      const reply = await sendBlockAction(this.target, {
        actionId,
        value,
        userId: SANDBOX_USER,
        channelId: SANDBOX_CHANNEL.id,
        responseUrl: this.slack.responseUrl(`c${Date.now()}`),
      });
      ok = reply.status === 200;
      // A link button also opens its page, as the browser does when it is clicked.
      if (button?.url) playNext = `open ${button.url}`;
    } else if (text === 'open' || text.startsWith('open ')) {
      const what = text.slice('open'.length).trim();
      const url = /^https?:\/\//.test(what)
        ? what
        : what === ''
          ? this.shownButtons().find((button) => button.url)?.url
          : this.findButton(what)?.url;
      if (!url) return { output: `No link to open${what ? ` named "${what}"` : ''}.`, ok: false };
      const result = await openInBrowser(this.world, url);
      this.pageForm = result.form;
      out.push(result.output);
      ok = result.ok;
    } else if (text.startsWith('choose ') && this.pageForm) {
      // The last page opened asked a question (e.g. which Sage business): its form is posted with that answer.
      const result = await submitForm(this.pageForm, Number(text.slice('choose '.length).trim()) - 1);
      this.pageForm = result.form;
      out.push(result.output);
      ok = result.ok;
    } else {
      return {
        output:
          "Type /finsync <command>, home, click <button>, open <link>, choose <number> (a page's question), pay <request id>, revoke stripe, restore stripe, or exit.",
        ok: false,
      };
    }
    const modal = this.slack.callsTo('views.open').slice(openedBefore).at(-1);
    if (modal) {
      const result = await fillModal(modal.args['view'] as Record<string, unknown>, {
        target: this.target,
        userId: SANDBOX_USER,
        ask,
        ...(show ? { show } : {}),
        render: this.renderOptions,
        defaultFor: (blockId, provider) => this.defaultFor(blockId, provider),
      });
      out.push(result.output);
      ok = ok && result.ok;
      playNext = result.playNext ?? playNext;
    }
    // A modal that updated itself (a link page's result): show it as it now stands.
    for (const call of this.slack.callsTo('views.update').slice(updatedBefore))
      if (call.ok) out.push(renderView(call.args['view'], 100, this.renderOptions));
    const followUps = await this.newResponses(
      text.includes(' sync ') || text.startsWith('/finsync sync') ? 30_000 : 400,
    );
    for (const body of followUps) {
      out.push(renderBlocks((body as { blocks?: unknown[] }).blocks ?? [], 100, this.renderOptions));
      const first = (
        (body as { blocks?: { text?: { text?: string } }[] }).blocks?.[0]?.text?.text ?? ''
      ).trim();
      if (ERROR_MARK.test(first) || /^:x: Failed/.test(first)) ok = false;
    }
    out = out.filter((s) => s.trim() !== '');
    return { output: out.join('\n'), ok, ...(playNext !== undefined ? { playNext } : {}) };
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
}

/**
 * The demo's Stripe objects spread evenly from the start of yesterday (UTC, the sandbox's timezone) to now, so
 * `/finsync digest now` shows yesterday's money and today's activity is there too, instead of all of it on the
 * emulator's default day in 2024.
 */
export function recentActivity(
  count: number,
  nowMs: number,
): { readonly count: number; readonly startTime: number; readonly spacingSeconds: number } {
  const now = Math.floor(nowMs / 1000);
  const startTime = Math.floor(now / 86_400) * 86_400 - 86_400;
  return {
    count,
    startTime,
    spacingSeconds: Math.max(1, Math.floor((now - startTime) / Math.max(1, count))),
  };
}
