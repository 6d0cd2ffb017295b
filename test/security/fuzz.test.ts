/**
 * Fuzz: thousands of generated /finsync texts and interaction payloads, correctly signed, at the real app
 * over HTTP. Nothing may answer 5xx; every ack body, response_url post and Web API call the app makes must
 * be well-formed Block Kit without @channel/@here/@everyone or injected mentions and links; the app must be
 * healthy afterwards. FUZZ_SEED reproduces a run, FUZZ_COUNT changes the number of slash commands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import {
  appHomeOpened,
  newTriggerId,
  type SlackReply,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
} from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit, type SurfaceKind } from '../helpers/block-kit.ts';
import { describeInput, type FuzzInput, fuzzInputs, INJECTED, KNOWN_ACTIONS } from './fuzz-inputs.ts';
import { describeKnownBugReproductions, KNOWN_BUGS, type Problem } from './fuzz-known-bugs.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const COMMANDS = Number(process.env['FUZZ_COUNT'] ?? 10_000);
const CONCURRENCY = 16;
const CHANNEL = 'C0GENERAL';

/** Web API refusals that are the workspace's answer, not a malformed call. */
const EXPECTED_REFUSALS = new Set([
  'views.update:not_found',
  'chat.postMessage:not_in_channel',
  // `/finsync alerts <#C…>` for a channel that does not exist (or is private): asked, then explained.
  'conversations.info:channel_not_found',
]);

let h: Harness;
const inputs = fuzzInputs(
  SEED,
  { commands: COMMANDS, actions: Math.round(COMMANDS * 0.2), views: Math.round(COMMANDS * 0.2), homes: 200 },
  { admin: ADMIN, member: MEMBER },
);
const problems: Problem[] = [];
const unexpected: Problem[] = [];
const known = new Map<string, Problem[]>();
/** Which input caused a Web API call or response_url post: by trigger id, view id or response id. */
const causedBy = new Map<string, number>();
const statuses = new Map<number, number>();

function problem(index: number, text: string): void {
  problems.push({ index, problem: text });
}

/** Block Kit (which includes the @channel/@here/@everyone check) plus injected markup, per part. */
function checkSurface(index: number, where: string, payload: unknown, kind: SurfaceKind): void {
  if (typeof payload !== 'object' || payload === null) return void problem(index, `${where}: not an object`);
  for (const issue of checkBlockKit(payload as never, kind)) {
    // Name the part that pings: the notification text or what is shown.
    if (issue.startsWith('(anywhere)')) continue;
    problem(index, `${where}: ${issue}`);
  }
  const { text, ...shown } = payload as Record<string, unknown>;
  checkMarkup(index, `${where}.text`, text ?? '');
  checkMarkup(index, `${where} blocks`, shown);
}

function checkMarkup(index: number, where: string, payload: unknown): void {
  const json = JSON.stringify(payload) ?? '';
  for (const raw of INJECTED)
    if (json.includes(raw)) problem(index, `${where}: passes ${raw} through unescaped`);
  const broadcast = /<!(channel|here|everyone)(\|[^>]*)?>/.exec(json);
  if (broadcast) problem(index, `${where}: contains ${broadcast[0]}`);
}

function checkAck(index: number, input: FuzzInput, reply: SlackReply): void {
  statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
  if (reply.status >= 500) return void problem(index, `HTTP ${reply.status}`);
  if (reply.status !== 200) return void problem(index, `HTTP ${reply.status} (not acknowledged)`);
  const body = reply.body;
  if (body === '' || body === undefined) return;
  if (typeof body !== 'object' || body === null)
    return void problem(index, `ack: unexpected body ${String(body)}`);
  const ack = body as Record<string, unknown>;
  if (input.kind === 'command') {
    if (ack['response_type'] === 'in_channel')
      problem(index, 'ack: an answer to one person posted in channel');
    return void checkSurface(index, 'ack', ack, 'message');
  }
  if (input.kind !== 'view') return void problem(index, `ack: a ${input.kind} ack carries a body`);
  if (ack['response_action'] === 'update' || ack['response_action'] === 'push')
    return void checkSurface(index, 'ack view', ack['view'], 'modal');
  if (ack['response_action'] === 'errors') {
    const errors = ack['errors'];
    if (typeof errors !== 'object' || errors === null || Object.keys(errors).length === 0)
      return void problem(index, 'ack: errors without any field error');
    for (const [block, message] of Object.entries(errors))
      if (typeof message !== 'string' || message === '' || message.length > 2000)
        problem(index, `ack: field error for ${block} is not a 1–2000 character string`);
    return void checkMarkup(index, 'ack errors', errors);
  }
  problem(index, `ack: unknown response_action ${String(ack['response_action'])}`);
}

async function send(index: number, input: FuzzInput): Promise<SlackReply> {
  const id = `f${index}`;
  const triggerId = newTriggerId();
  causedBy.set(triggerId, index);
  causedBy.set(id, index);
  switch (input.kind) {
    case 'command':
      return sendSlashCommand(h.target, {
        text: input.text,
        userId: input.userId,
        responseUrl: h.slack.responseUrl(id),
        triggerId,
      });
    case 'action':
      return sendBlockAction(h.target, {
        actionId: input.actionId,
        ...(input.value !== undefined ? { value: input.value } : {}),
        userId: input.userId,
        triggerId,
        channelId: CHANNEL,
        ...(input.inView
          ? { view: { id: `VH${index}`, type: 'home' } }
          : { responseUrl: h.slack.responseUrl(id) }),
      });
    case 'view':
      causedBy.set(`VF${index}`, index);
      return sendViewSubmission(h.target, {
        callbackId: input.callbackId,
        values: input.values,
        userId: input.userId,
        viewId: `VF${index}`,
        ...(input.privateMetadata !== undefined ? { privateMetadata: input.privateMetadata } : {}),
      });
    case 'home':
      return sendEvent(h.target, appHomeOpened(input.userId, input.tab));
  }
}

/** Every Web API call and response_url post since the start, each checked as the surface it is. */
function checkWhatTheAppSent(): Map<string, number> {
  const refusals = new Map<string, number>();
  for (const call of h.slack.calls) {
    const args = call.args;
    const index =
      causedBy.get(String(args['trigger_id'] ?? '')) ?? causedBy.get(String(args['view_id'] ?? '')) ?? -1;
    const where = call.method;
    if (!call.ok) {
      const key = `${call.method}:${call.error ?? '?'}`;
      refusals.set(key, (refusals.get(key) ?? 0) + 1);
      if (!EXPECTED_REFUSALS.has(key)) problem(index, `${where} refused by Slack: ${call.error}`);
    }
    if (call.method === 'views.publish') checkSurface(index, where, args['view'], 'home');
    else if (call.method.startsWith('views.')) checkSurface(index, where, args['view'], 'modal');
    else if (call.method.startsWith('chat.') && call.method !== 'chat.delete')
      checkSurface(index, where, args, 'message');
    else checkMarkup(index, where, args);
  }
  for (const post of h.slack.responses) {
    const index = causedBy.get(post.id) ?? -1;
    if (!post.ok) problem(index, `response_url post refused: ${post.error}`);
    const body = post.body as Record<string, unknown>;
    if (body['response_type'] === 'in_channel')
      problem(index, 'response_url: an answer to one person posted in channel');
    if (body['delete_original'] === true) checkMarkup(index, 'response_url', body);
    else checkSurface(index, 'response_url', body, 'message');
  }
  return refusals;
}

const knownBug = (p: Problem) =>
  p.index >= 0 ? KNOWN_BUGS.find((b) => b.matches(inputs[p.index]!, p))?.bug : undefined;

function report(list: readonly Problem[]): string {
  const byKind = new Map<string, Problem[]>();
  for (const p of list) {
    const input = p.index >= 0 ? inputs[p.index] : undefined;
    const what =
      input?.kind === 'view' ? input.callbackId : input?.kind === 'action' ? input.actionId : input?.kind;
    const key = `${what ?? '?'}: ${p.problem.replace(/\d+/g, 'N').slice(0, 120)}`;
    byKind.set(key, [...(byKind.get(key) ?? []), p]);
  }
  const lines = [`FUZZ_SEED=${SEED} FUZZ_COUNT=${COMMANDS}: ${list.length} problems`];
  for (const [kind, found] of byKind) {
    lines.push(`- ${kind} (${found.length}×), e.g.`);
    for (const p of found.slice(0, 3))
      lines.push(`    ${p.index >= 0 ? describeInput(p.index, inputs[p.index]!) : '(input unknown)'}`);
  }
  return lines.join('\n');
}

describe(`fuzz (FUZZ_SEED=${SEED})`, () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 10 } }, env: { LOG_LEVEL: 'info' } });
    h.slack.setChannel(CHANNEL, { name: 'general', isMember: true });
    await h.app.finsync.connect({
      provider: 'stripe',
      name: 'stripe',
      input: { api_key: EMULATOR_SECRET_KEY },
      actor: ADMIN,
    });
  });
  after(async () => {
    await h.close();
  });

  test(`${inputs.length} generated requests: no 5xx, well-formed Block Kit, no pings, healthy after`, async (t) => {
    t.diagnostic(`FUZZ_SEED=${SEED} (rerun with this to reproduce)`);
    const started = Date.now();
    let next = 0;
    // Requests nothing listens for wait out Bolt's 3 s ack timeout doing no work: they do not hold a worker.
    const idle: Promise<void>[] = [];
    const attempt = async (index: number, input: FuzzInput) => {
      try {
        checkAck(index, input, await send(index, input));
      } catch (error) {
        problem(index, `request failed: ${String(error)}`);
      }
    };
    const worker = async () => {
      while (next < inputs.length) {
        const index = next++;
        const input = inputs[index]!;
        if (input.kind === 'action' && !KNOWN_ACTIONS.includes(input.actionId))
          idle.push(attempt(index, input));
        else await attempt(index, input);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await Promise.all(idle);
    const sentMs = Date.now() - started;
    // Let queued syncs and late response_url posts finish before looking at everything the app sent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await h.app.core.engine.drain();
    const refusals = checkWhatTheAppSent();
    const crashes = h.logLines.filter((l) => /unhandled error|unexpected error in a Slack handler/.test(l));
    t.diagnostic(
      `${inputs.length} requests in ${sentMs} ms (${Math.round((inputs.length / sentMs) * 1000)}/s); ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${h.slack.calls.length} Web API calls, ` +
        `${h.slack.responses.length} response_url posts; refusals ${JSON.stringify(Object.fromEntries(refusals))}; ` +
        `${crashes.length} handler errors logged`,
    );
    const kinds = new Map<string, number>();
    for (const line of crashes) {
      const parsed = JSON.parse(line) as { message?: string; error?: string };
      const key = `${parsed.message ?? ''}${parsed.error ? `: ${parsed.error.slice(0, 120)}` : ''}`;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    for (const [kind, count] of kinds) t.diagnostic(`logged ${count}×: ${kind}`);

    for (const p of problems) {
      const bug = knownBug(p);
      if (bug) known.set(bug, [...(known.get(bug) ?? []), p]);
      else unexpected.push(p);
    }
    for (const line of report(unexpected).split('\n')) t.diagnostic(line);
    for (const [bug, found] of known) t.diagnostic(`known bug (${found.length}×): ${bug}`);
    const health = await fetch(new URL('/healthz', h.target.url));
    assert.equal(health.status, 200, 'healthy afterwards');
    const status = await sendSlashCommand(h.target, {
      text: 'status',
      userId: MEMBER,
      responseUrl: h.slack.responseUrl('after'),
    });
    assert.equal(status.status, 200, `still answering: ${h.logLines.slice(-5).join('\n')}`);
    assert.match(
      JSON.stringify((await h.slack.waitForResponse((r) => r.id === 'after')).body),
      /finsync status/,
    );
    assert.deepEqual(unexpected, [], report(unexpected));
  });

  test('bugs the fuzz found in src/ are fixed', () => {
    const lines = [...known].map(([bug, found]) => `${bug}\n${report(found)}`);
    assert.deepEqual(lines, []);
  });

  describeKnownBugReproductions(() => h);
});
