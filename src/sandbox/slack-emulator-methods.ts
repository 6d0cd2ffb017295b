/**
 * The Web API methods the Slack emulator answers, as pure functions of the arguments and the emulated
 * workspace, with the error codes Slack uses for the same mistakes.
 */
import { randomBytes } from 'node:crypto';
import { HISTORY_METHODS, threadMessages } from './slack-emulator-history.ts';
import { checkMessage, checkView, type Refusal } from './slack-emulator-rules.ts';
import {
  channelShape,
  EMULATED_APP_ID,
  EMULATED_BOT_ID,
  EMULATED_BOT_USER_ID,
  EMULATED_TEAM_DOMAIN,
  EMULATED_TEAM_ID,
  type EmulatedMessage,
  type EmulatedMetadata,
  type EmulatorState,
  fail,
  flag,
  type Json,
  messageKey,
  messageShape,
  str,
  userShape,
} from './slack-emulator-state.ts';

export type MethodHandler = (args: Json, state: EmulatorState) => Json;

function refused(refusal: Refusal): Json {
  return fail(refusal.error, refusal.messages);
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `metadata` argument (the server already parsed a JSON string): absent, `{}` (chat.update: remove
 * it), a valid `{ event_type, event_payload }`, or Slack's error code.
 */
function metadataOf(args: Json): EmulatedMetadata | 'absent' | 'remove' | { error: string } {
  const value = args['metadata'];
  if (value === undefined || value === '') return 'absent';
  if (!isObject(value)) return { error: 'invalid_metadata_format' };
  if (Object.keys(value).length === 0) return 'remove';
  const { event_type: type, event_payload: payload } = value;
  if (typeof type !== 'string' || type === '' || !isObject(payload))
    return { error: 'invalid_metadata_schema' };
  return { event_type: type, event_payload: payload };
}

/** Slack ts values are `seconds.micros` and strictly increase; callers rely on ordering them. */
function nextTs(state: EmulatorState): string {
  const micros = Math.max(Date.now() * 1000, state.lastTsMicros + 1);
  state.lastTsMicros = micros;
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

function postable(args: Json, state: EmulatorState): Json | string {
  const channel = str(args, 'channel');
  if (!channel) return fail('channel_not_found');
  const known = state.channels.get(channel);
  // Channels nobody declared are accepted so tests need not seed every id; declared ones are strict.
  if (known?.isArchived) return fail('is_archived');
  if (known && !known.isMember) return fail('not_in_channel');
  const refusal = checkMessage(args);
  return refusal ? refused(refusal) : channel;
}

function storeView(state: EmulatorState, view: Json, previous: Json | undefined): Json {
  state.viewCount += 1;
  const id =
    typeof previous?.['id'] === 'string' ? previous['id'] : `V${String(state.viewCount).padStart(10, '0')}`;
  const stored: Json = {
    id,
    team_id: EMULATED_TEAM_ID,
    type: view['type'],
    private_metadata: '',
    callback_id: '',
    external_id: '',
    state: { values: {} },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: previous?.['root_view_id'] ?? id,
    app_id: EMULATED_APP_ID,
    app_installed_team_id: EMULATED_TEAM_ID,
    bot_id: EMULATED_BOT_ID,
    ...view,
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
  };
  state.views.set(id, stored);
  return { ok: true, view: stored };
}

export const METHODS: Record<string, MethodHandler> = {
  'auth.test': () => ({
    ok: true,
    url: `https://${EMULATED_TEAM_DOMAIN}.slack.com/`,
    team: 'Finsync Sandbox',
    user: 'finsync',
    team_id: EMULATED_TEAM_ID,
    user_id: EMULATED_BOT_USER_ID,
    bot_id: EMULATED_BOT_ID,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (args, state) => {
    const channel = postable(args, state);
    if (typeof channel !== 'string') return channel;
    const metadata = metadataOf(args);
    if (typeof metadata === 'object' && 'error' in metadata) return fail(metadata.error);
    // Slack accepts a thread_ts that names no message: the reply is stored, and shows nowhere.
    const threadTs = str(args, 'thread_ts');
    const message: EmulatedMessage = {
      channel,
      ts: nextTs(state),
      text: str(args, 'text') ?? '',
      blocks: Array.isArray(args['blocks']) ? args['blocks'] : undefined,
      threadTs,
      replyBroadcast: threadTs !== undefined && flag(args, 'reply_broadcast'),
      metadata: typeof metadata === 'object' ? metadata : undefined,
      edited: false,
      editedTs: undefined,
      updates: 0,
    };
    state.messages.set(messageKey(channel, message.ts), message);
    return { ok: true, channel, ts: message.ts, message: messageShape(message) };
  },

  'chat.update': (args, state) => {
    const channel = str(args, 'channel');
    const ts = str(args, 'ts');
    const existing = channel && ts ? state.messages.get(messageKey(channel, ts)) : undefined;
    if (!channel || !existing) return fail('message_not_found');
    const refusal = checkMessage(args);
    if (refusal) return refused(refusal);
    const metadata = metadataOf(args);
    if (typeof metadata === 'object' && 'error' in metadata) return fail(metadata.error);
    existing.text = str(args, 'text') ?? '';
    // Slack keeps the previous blocks (and metadata) when the field is absent; `[]` (`{}`) removes them.
    if (Array.isArray(args['blocks']))
      existing.blocks = args['blocks'].length > 0 ? args['blocks'] : undefined;
    if (metadata === 'remove') existing.metadata = undefined;
    else if (typeof metadata === 'object') existing.metadata = metadata;
    if (existing.threadTs !== undefined && flag(args, 'reply_broadcast')) existing.replyBroadcast = true;
    existing.edited = true;
    existing.editedTs = nextTs(state);
    existing.updates += 1;
    const replies = threadMessages(state, channel, existing.ts);
    return { ok: true, channel, ts, text: existing.text, message: messageShape(existing, { replies }) };
  },

  'chat.delete': (args, state) => {
    const channel = str(args, 'channel');
    const ts = str(args, 'ts');
    if (!channel || !ts || !state.messages.delete(messageKey(channel, ts))) return fail('message_not_found');
    return { ok: true, channel, ts };
  },

  'chat.postEphemeral': (args, state) => {
    if (!str(args, 'user')) return fail('user_not_in_channel');
    const channel = postable(args, state);
    if (typeof channel !== 'string') return channel;
    return { ok: true, message_ts: nextTs(state) };
  },

  'chat.getPermalink': (args, state) => {
    const channel = str(args, 'channel');
    const ts = str(args, 'message_ts');
    if (!channel || !ts || !state.messages.has(messageKey(channel, ts))) return fail('message_not_found');
    const permalink = `https://${EMULATED_TEAM_DOMAIN}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
    return { ok: true, channel, permalink };
  },

  'views.open': (args, state) => {
    if (!str(args, 'trigger_id')) return fail('invalid_arguments', ['[ERROR] invalid `trigger_id`']);
    const refusal = checkView(args['view'], 'modal');
    return refusal ? refused(refusal) : storeView(state, args['view'] as Json, undefined);
  },

  'views.push': (args, state) => {
    if (!str(args, 'trigger_id')) return fail('invalid_arguments', ['[ERROR] invalid `trigger_id`']);
    const refusal = checkView(args['view'], 'modal');
    return refusal ? refused(refusal) : storeView(state, args['view'] as Json, undefined);
  },

  'views.update': (args, state) => {
    const viewId = str(args, 'view_id');
    const externalId = str(args, 'external_id');
    const previous = viewId
      ? state.views.get(viewId)
      : [...state.views.values()].find((v) => externalId && v['external_id'] === externalId);
    if (!previous) return fail('not_found');
    const hash = str(args, 'hash');
    if (hash && hash !== previous['hash']) return fail('hash_conflict');
    const refusal = checkView(args['view'], 'any');
    return refusal ? refused(refusal) : storeView(state, args['view'] as Json, previous);
  },

  'views.publish': (args, state) => {
    const userId = str(args, 'user_id');
    if (!userId) return fail('invalid_arguments', ['[ERROR] invalid `user_id`']);
    const refusal = checkView(args['view'], 'home');
    if (refusal) return refused(refusal);
    const previousId = state.homeViews.get(userId);
    const previous = previousId ? state.views.get(previousId) : undefined;
    const hash = str(args, 'hash');
    if (hash && previous && hash !== previous['hash']) return fail('hash_conflict');
    const result = storeView(state, args['view'] as Json, previous);
    state.homeViews.set(userId, (result['view'] as Json)['id'] as string);
    return result;
  },

  'conversations.info': (args, state) => {
    const id = str(args, 'channel');
    const channel = id ? state.channels.get(id) : undefined;
    if (!id || !channel) return fail('channel_not_found');
    return { ok: true, channel: channelShape(id, channel) };
  },

  'conversations.join': (args, state) => {
    const id = str(args, 'channel');
    const channel = id ? state.channels.get(id) : undefined;
    if (!id || !channel) return fail('channel_not_found');
    if (channel.isArchived) return fail('is_archived');
    if (channel.isPrivate) return fail('method_not_supported_for_channel_type');
    if (channel.isMember) {
      return {
        ok: true,
        channel: channelShape(id, channel),
        warning: 'already_in_channel',
        response_metadata: { warnings: ['already_in_channel'] },
      };
    }
    channel.isMember = true;
    return { ok: true, channel: channelShape(id, channel) };
  },

  'users.info': (args, state) => {
    const id = str(args, 'user');
    const user = id ? state.users.get(id) : undefined;
    if (!id || !user) return fail('user_not_found');
    return { ok: true, user: userShape(id, user) };
  },

  'usergroups.users.list': (args, state) => {
    const id = str(args, 'usergroup');
    const users = id ? state.userGroups.get(id) : undefined;
    if (!users) return fail('no_such_subteam');
    return { ok: true, users: [...users] };
  },

  ...HISTORY_METHODS,
};
