/**
 * Reading the emulated workspace back, as conversations.history, conversations.replies and
 * conversations.list answer: what a channel shows (top-level messages and broadcast replies), what a
 * thread holds, time windows (`oldest`/`latest`/`inclusive`) and cursor pagination with opaque cursors
 * shaped like Slack's (`next_ts:<micros>` and `team:<id>`, base64).
 */
import {
  channelShape,
  type EmulatedMessage,
  type EmulatorState,
  fail,
  flag,
  type Json,
  messageKey,
  messageShape,
  str,
} from './slack-emulator-state.ts';

type MethodHandler = (args: Json, state: EmulatorState) => Json;

/** Slack's documented page sizes: the default and the most one page returns. */
const HISTORY_LIMIT = { byDefault: 100, max: 999 };
const REPLIES_LIMIT = { byDefault: 1000, max: 1000 };
const LIST_LIMIT = { byDefault: 100, max: 1000 };
const CONVERSATION_TYPES = new Set(['public_channel', 'private_channel', 'mpim', 'im']);

/** A ts (`seconds.micros`, or a bare number of seconds) as integer microseconds; undefined if malformed. */
export function tsMicros(ts: string): number | undefined {
  const match = /^(\d{1,12})(?:\.(\d*))?$/.exec(ts.trim());
  if (!match) return undefined;
  return Number(match[1]) * 1e6 + Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
}

const micros = (message: EmulatedMessage): number => tsMicros(message.ts) ?? 0;
const oldestFirst = (a: EmulatedMessage, b: EmulatedMessage): number => micros(a) - micros(b);

function inChannel(state: EmulatorState, channel: string): EmulatedMessage[] {
  return [...state.messages.values()].filter((m) => m.channel === channel).sort(oldestFirst);
}

/** What the channel shows, oldest first: unthreaded messages, thread parents and broadcast replies. */
export function channelMessages(state: EmulatorState, channel: string): EmulatedMessage[] {
  return inChannel(state, channel).filter((m) => m.threadTs === undefined || m.replyBroadcast);
}

/** The replies of the thread whose parent has ts `threadTs` (broadcast ones too), oldest first. */
export function threadMessages(state: EmulatorState, channel: string, threadTs: string): EmulatedMessage[] {
  return inChannel(state, channel).filter((m) => m.threadTs === threadTs);
}

/**
 * The channel whose messages may be read, or Slack's refusal. Undeclared channels are accepted, as
 * chat.postMessage accepts them, once something was posted there; declared ones are strict: a bot is
 * `not_in_channel` for a public channel it has not joined and cannot see a private one at all.
 */
function readable(args: Json, state: EmulatorState): string | Json {
  const channel = str(args, 'channel');
  if (!channel) return fail('channel_not_found');
  const known = state.channels.get(channel);
  if (known && !known.isMember) return fail(known.isPrivate ? 'channel_not_found' : 'not_in_channel');
  if (known) return channel;
  return [...state.messages.values()].some((m) => m.channel === channel)
    ? channel
    : fail('channel_not_found');
}

interface Window {
  after: number;
  before: number;
  inclusive: boolean;
}

/** `oldest`/`latest` as microseconds: undefined when absent, null when not a ts. */
function bound(args: Json, key: string): number | undefined | null {
  const value = args[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  return tsMicros(String(value)) ?? null;
}

/** The time window asked for, or Slack's error code for a malformed bound. */
function windowOf(args: Json): Window | string {
  const oldest = bound(args, 'oldest');
  if (oldest === null) return 'invalid_ts_oldest';
  const latest = bound(args, 'latest');
  if (latest === null) return 'invalid_ts_latest';
  return {
    after: oldest ?? Number.NEGATIVE_INFINITY,
    before: latest ?? Number.POSITIVE_INFINITY,
    inclusive: flag(args, 'inclusive'),
  };
}

function inWindow(message: EmulatedMessage, window: Window): boolean {
  const at = micros(message);
  return window.inclusive
    ? at >= window.after && at <= window.before
    : at > window.after && at < window.before;
}

function limitOf(args: Json, limits: { byDefault: number; max: number }): number {
  const limit = Number(args['limit']);
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, limits.max) : limits.byDefault;
}

const encodeCursor = (prefix: string, value: string): string =>
  Buffer.from(`${prefix}:${value}`, 'utf8').toString('base64');

/** The value a cursor carries: undefined when no cursor was given, null when it is not one of ours. */
function decodeCursor(args: Json, prefix: string): string | undefined | null {
  const cursor = str(args, 'cursor');
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  return text.startsWith(`${prefix}:`) && text.length > prefix.length + 1
    ? text.slice(prefix.length + 1)
    : null;
}

function tsCursor(args: Json): number | undefined | null {
  const value = decodeCursor(args, 'next_ts');
  if (value === undefined || value === null) return value;
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** One page of `items` (already in answer order) and the cursor to the next one, as Slack answers it. */
function paged(items: EmulatedMessage[], limit: number, shape: (m: EmulatedMessage) => Json): Json {
  const next = items[limit];
  return {
    ok: true,
    messages: items.slice(0, limit).map(shape),
    has_more: next !== undefined,
    ...(next ? { response_metadata: { next_cursor: encodeCursor('next_ts', String(micros(next))) } } : {}),
  };
}

/** Shapes messages of one channel with their thread details (reply counts, a broadcast's root). */
function shaper(state: EmulatorState, channel: string, args: Json): (m: EmulatedMessage) => Json {
  const threads = new Map<string, EmulatedMessage[]>();
  for (const message of inChannel(state, channel)) {
    if (message.threadTs === undefined) continue;
    threads.set(message.threadTs, [...(threads.get(message.threadTs) ?? []), message]);
  }
  const withMetadata = flag(args, 'include_all_metadata');
  return (message) => {
    const parent = message.threadTs ? state.messages.get(messageKey(channel, message.threadTs)) : undefined;
    return messageShape(message, {
      replies: threads.get(message.ts) ?? [],
      ...(parent ? { root: { message: parent, replies: threads.get(parent.ts) ?? [] } } : {}),
      withMetadata,
    });
  };
}

export const HISTORY_METHODS: Record<string, MethodHandler> = {
  'conversations.history': (args, state) => {
    const channel = readable(args, state);
    if (typeof channel !== 'string') return channel;
    const window = windowOf(args);
    if (typeof window === 'string') return fail(window);
    const from = tsCursor(args);
    if (from === null) return fail('invalid_cursor');
    const newestFirst = channelMessages(state, channel)
      .filter((m) => inWindow(m, window) && (from === undefined || micros(m) <= from))
      .reverse();
    return {
      ...paged(newestFirst, limitOf(args, HISTORY_LIMIT), shaper(state, channel, args)),
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
    };
  },

  'conversations.replies': (args, state) => {
    const channel = readable(args, state);
    if (typeof channel !== 'string') return channel;
    const ts = str(args, 'ts');
    if (!ts) return fail('invalid_arguments', ['[ERROR] missing required field: ts']);
    const target = state.messages.get(messageKey(channel, ts));
    if (!target) return fail('thread_not_found');
    const window = windowOf(args);
    if (typeof window === 'string') return fail(window);
    const from = tsCursor(args);
    if (from === null) return fail('invalid_cursor');
    // The ts of any message of the thread names the thread; the parent leads the first page only.
    const threadTs = target.threadTs ?? target.ts;
    const parent = state.messages.get(messageKey(channel, threadTs));
    const replies = threadMessages(state, channel, threadTs).filter((m) => inWindow(m, window));
    const thread = [...(parent ? [parent] : []), ...replies].filter(
      (m) => from === undefined || micros(m) >= from,
    );
    return paged(thread, limitOf(args, REPLIES_LIMIT), shaper(state, channel, args));
  },

  'conversations.list': (args, state) => {
    const types = (str(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
    if (types.some((t) => !CONVERSATION_TYPES.has(t))) return fail('invalid_types');
    const from = decodeCursor(args, 'team');
    if (from === null) return fail('invalid_cursor');
    const excludeArchived = flag(args, 'exclude_archived');
    // A bot lists the public channels and only the private channels it is a member of.
    const listed = [...state.channels.entries()]
      .filter(([, c]) =>
        c.isPrivate ? types.includes('private_channel') && c.isMember : types.includes('public_channel'),
      )
      .filter(([, c]) => !(excludeArchived && c.isArchived))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([id]) => from === undefined || id >= from);
    const limit = limitOf(args, LIST_LIMIT);
    const next = listed[limit];
    return {
      ok: true,
      channels: listed.slice(0, limit).map(([id, channel]) => channelShape(id, channel)),
      response_metadata: { next_cursor: next ? encodeCursor('team', next[0]) : '' },
    };
  },
};
