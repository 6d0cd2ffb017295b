/**
 * The workspace the Slack emulator pretends to be (ids, channels, users, messages, views) and the
 * objects it answers with, shaped like Slack's Web API OpenAPI spec: the fields our code and
 * @slack/web-api read, plus the ones the spec marks required.
 */

export const EMULATED_TEAM_ID = 'T0SANDBOX';
export const EMULATED_TEAM_DOMAIN = 'finsync-sandbox';
export const EMULATED_APP_ID = 'A0FINSYNC';
export const EMULATED_BOT_ID = 'B0FINSYNC';
export const EMULATED_BOT_USER_ID = 'U0FINSYNC';

export interface EmulatedChannel {
  name: string;
  isMember: boolean;
  isPrivate?: boolean;
  isArchived?: boolean;
}

export interface EmulatedUser {
  /** IANA timezone, e.g. `Europe/Berlin`. */
  tz: string;
  name: string;
  isAdmin: boolean;
}

/** Message metadata as chat.postMessage takes it and conversations.history returns it. */
export interface EmulatedMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message as it stands now (after updates), keyed by channel and ts. */
export interface EmulatedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  /** The parent's ts for a thread reply (as posted, even when no such parent exists); else undefined. */
  threadTs: string | undefined;
  /** A thread reply also shown in the channel (`reply_broadcast`): it appears in conversations.history. */
  replyBroadcast: boolean;
  metadata: EmulatedMetadata | undefined;
  edited: boolean;
  /** When it was last edited (Slack's `edited.ts`), undefined until a chat.update. */
  editedTs: string | undefined;
  /** How many successful chat.update calls it has had. */
  updates: number;
}

export interface EmulatorState {
  channels: Map<string, EmulatedChannel>;
  users: Map<string, EmulatedUser>;
  userGroups: Map<string, string[]>;
  messages: Map<string, EmulatedMessage>;
  views: Map<string, Record<string, unknown>>;
  homeViews: Map<string, string>;
  lastTsMicros: number;
  viewCount: number;
}

export type Json = Record<string, unknown>;

/** A Slack refusal: `{ ok: false, error }`, with `response_metadata.messages` when there are details. */
export function fail(error: string, messages: string[] = []): Json {
  return messages.length > 0 ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

/** A non-empty string argument, or undefined. */
export function str(args: Json, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A boolean argument as the client sends it: `true`, or `"true"`/`"1"` in a form body. */
export function flag(args: Json, key: string): boolean {
  const value = args[key];
  return value === true || value === 1 || value === 'true' || value === '1';
}

export function newEmulatorState(): EmulatorState {
  return {
    channels: new Map(),
    users: new Map(),
    userGroups: new Map(),
    messages: new Map(),
    views: new Map(),
    homeViews: new Map(),
    lastTsMicros: 0,
    viewCount: 0,
  };
}

export function messageKey(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

/** What a message's shape depends on beyond the message itself. */
export interface ShapeContext {
  /** The thread's replies, oldest first, when the message is a thread parent. */
  replies?: EmulatedMessage[];
  /** The thread parent and its replies, for a broadcast reply (Slack nests the parent as `root`). */
  root?: { message: EmulatedMessage; replies: EmulatedMessage[] };
  /** conversations.history/replies show metadata only with `include_all_metadata`; post answers always. */
  withMetadata?: boolean;
}

export function messageShape(message: EmulatedMessage, context: ShapeContext = {}): Json {
  const replies = message.threadTs ? [] : (context.replies ?? []);
  const withMetadata = context.withMetadata ?? true;
  return {
    type: 'message',
    ...(message.replyBroadcast && message.threadTs ? { subtype: 'thread_broadcast' } : {}),
    user: EMULATED_BOT_USER_ID,
    bot_id: EMULATED_BOT_ID,
    app_id: EMULATED_APP_ID,
    team: EMULATED_TEAM_ID,
    text: message.text,
    ts: message.ts,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs, parent_user_id: EMULATED_BOT_USER_ID } : {}),
    ...(replies.length > 0
      ? {
          thread_ts: message.ts,
          reply_count: replies.length,
          reply_users_count: 1,
          latest_reply: replies[replies.length - 1]!.ts,
          reply_users: [EMULATED_BOT_USER_ID],
          is_locked: false,
          subscribed: false,
        }
      : {}),
    ...(message.replyBroadcast && context.root
      ? { root: messageShape(context.root.message, { replies: context.root.replies, withMetadata }) }
      : {}),
    ...(withMetadata && message.metadata ? { metadata: message.metadata } : {}),
    ...(message.edited ? { edited: { user: EMULATED_BOT_USER_ID, ts: message.editedTs } } : {}),
  };
}

export function channelShape(id: string, channel: EmulatedChannel): Json {
  return {
    id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.isPrivate,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: channel.isPrivate ?? false,
    is_archived: channel.isArchived ?? false,
    is_general: false,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_member: channel.isMember,
    created: 1_700_000_000,
    creator: 'U0CREATOR',
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [],
  };
}

/** The UTC offset (seconds) and long name of an IANA zone today, as users.info reports them. */
function zoneInfo(tz: string): { offset: number; label: string } {
  const now = new Date();
  const part = (style: 'longOffset' | 'long') =>
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: style })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName')?.value ?? '';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part('longOffset'));
  const offset = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60) : 0;
  return { offset, label: part('long') };
}

export function userShape(id: string, user: EmulatedUser): Json {
  const zone = zoneInfo(user.tz);
  return {
    id,
    team_id: EMULATED_TEAM_ID,
    name: user.name,
    real_name: user.name,
    deleted: false,
    is_admin: user.isAdmin,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    tz: user.tz,
    tz_label: zone.label,
    tz_offset: zone.offset,
    updated: 1_700_000_000,
    profile: { display_name: user.name, real_name: user.name, team: EMULATED_TEAM_ID },
  };
}
