/**
 * Builds and sends correctly signed Slack requests to a running app (`POST {url}/slack/events`), shaped
 * the way Slack sends them: slash commands form-encoded, interactivity as a `payload=` form field,
 * events as a JSON envelope. Tests drive the app through Bolt's real verification and routing this way.
 */
import { createHmac } from 'node:crypto';
import {
  EMULATED_APP_ID,
  EMULATED_BOT_ID,
  EMULATED_BOT_USER_ID,
  EMULATED_TEAM_DOMAIN,
  EMULATED_TEAM_ID,
} from './slack-emulator.ts';

export interface SlackAppTarget {
  /** Base URL of the running app, e.g. `http://127.0.0.1:3000`. */
  url: string;
  signingSecret: string;
}

export interface SendOptions {
  /** Unix seconds to sign with; an old one (more than 5 minutes) must be refused with 401. */
  timestamp?: number;
  /** Sign with a wrong secret so the signature does not verify. */
  badSignature?: boolean;
  /** Send no signature headers at all. */
  unsigned?: boolean;
}

export interface SlackReply {
  status: number;
  /** Parsed JSON when the app answered JSON, else the text (often empty: Bolt acks with an empty 200). */
  body: unknown;
}

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

// The workspace the emulator pretends to be, so requests and Web API answers agree.
const TEST_TEAM_ID = EMULATED_TEAM_ID;
const TEST_TEAM_DOMAIN = EMULATED_TEAM_DOMAIN;
const TEST_APP_ID = EMULATED_APP_ID;
export const TEST_USER_ID = 'U0TESTER';
export const TEST_CHANNEL_ID = 'C0GENERAL';

let triggerCount = 0;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed by the signing secret. */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestamp: number = nowSeconds(),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestamp) };
}

/** A fresh trigger id in Slack's `digits.digits.hex` shape. */
export function newTriggerId(): string {
  triggerCount += 1;
  return `${Date.now()}${triggerCount}.1234567890.${triggerCount.toString(16).padStart(32, '0')}`;
}

/** Sends a raw body to `/slack/events`, signed unless options say otherwise. */
export async function sendSignedRequest(
  app: SlackAppTarget,
  body: string,
  contentType: string,
  options: SendOptions = {},
): Promise<SlackReply> {
  const secret = options.badSignature ? `${app.signingSecret}-wrong` : app.signingSecret;
  const headers: Record<string, string> = {
    'content-type': contentType,
    ...(options.unsigned ? {} : signSlackRequest(secret, body, options.timestamp)),
  };
  const res = await fetch(new URL('/slack/events', app.url), { method: 'POST', headers, body });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('application/json');
  let parsed: unknown = text;
  if (isJson && text !== '') parsed = JSON.parse(text);
  return { status: res.status, body: parsed };
}

function sendPayload(app: SlackAppTarget, payload: object, options?: SendOptions): Promise<SlackReply> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSignedRequest(app, body, 'application/x-www-form-urlencoded', options);
}

function userOf(userId: string) {
  return { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEST_TEAM_ID };
}

export interface SlashCommandInput {
  text: string;
  command?: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  responseUrl?: string;
  triggerId?: string;
}

export function sendSlashCommand(
  app: SlackAppTarget,
  input: SlashCommandInput,
  options?: SendOptions,
): Promise<SlackReply> {
  const userId = input.userId ?? TEST_USER_ID;
  const body = new URLSearchParams({
    token: 'verification-token-unused',
    team_id: TEST_TEAM_ID,
    team_domain: TEST_TEAM_DOMAIN,
    channel_id: input.channelId ?? TEST_CHANNEL_ID,
    channel_name: input.channelName ?? 'general',
    user_id: userId,
    user_name: input.userName ?? userId.toLowerCase(),
    command: input.command ?? '/finsync',
    text: input.text,
    api_app_id: TEST_APP_ID,
    is_enterprise_install: 'false',
    response_url: input.responseUrl ?? `https://hooks.slack.com/commands/${TEST_TEAM_ID}/1/unused`,
    trigger_id: input.triggerId ?? newTriggerId(),
  }).toString();
  return sendSignedRequest(app, body, 'application/x-www-form-urlencoded', options);
}

export interface BlockActionInput {
  actionId: string;
  value?: string;
  /** For static_select / overflow actions: the chosen option (sets the action type accordingly). */
  selectedOption?: { value: string; text?: string };
  actionType?: 'button' | 'static_select' | 'overflow' | 'checkboxes' | 'conversations_select';
  userId?: string;
  blockId?: string;
  channelId?: string;
  /** The message the button sits in (needs a `ts`); default: a bare message in the channel. */
  message?: Record<string, unknown>;
  /** The view the button sits in (modal or Home tab); when given without a message, the container is the view. */
  view?: Record<string, unknown>;
  responseUrl?: string;
  triggerId?: string;
  container?: Record<string, unknown>;
}

export function sendBlockAction(
  app: SlackAppTarget,
  input: BlockActionInput,
  options?: SendOptions,
): Promise<SlackReply> {
  const userId = input.userId ?? TEST_USER_ID;
  const channelId = input.channelId ?? TEST_CHANNEL_ID;
  const inView = input.view !== undefined && input.message === undefined;
  const message = inView
    ? undefined
    : (input.message ?? { type: 'message', ts: '1700000000.000100', text: '' });
  const type = input.actionType ?? (input.selectedOption ? 'static_select' : 'button');
  const option = input.selectedOption && {
    value: input.selectedOption.value,
    text: { type: 'plain_text', text: input.selectedOption.text ?? input.selectedOption.value },
  };
  const action = {
    type,
    action_id: input.actionId,
    block_id: input.blockId ?? 'block',
    action_ts: `${nowSeconds()}.000000`,
    ...(type === 'button' ? { text: { type: 'plain_text', text: input.actionId } } : {}),
    ...(input.value !== undefined ? { value: input.value } : {}),
    ...(option ? { selected_option: option } : {}),
  };
  const container =
    input.container ??
    (inView
      ? { type: 'view', view_id: input.view?.['id'] ?? 'V0000000001' }
      : { type: 'message', message_ts: message?.['ts'], channel_id: channelId, is_ephemeral: false });
  // Slack gives a response URL (and the channel and message) for actions in messages only, never in
  // modals or the Home tab.
  const where = inView
    ? {}
    : {
        channel: { id: channelId, name: 'general' },
        message,
        response_url: input.responseUrl ?? `https://hooks.slack.com/actions/${TEST_TEAM_ID}/1/unused`,
      };
  const payload = {
    type: 'block_actions',
    user: userOf(userId),
    api_app_id: TEST_APP_ID,
    token: 'verification-token-unused',
    container,
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: TEST_TEAM_ID, domain: TEST_TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    ...where,
    ...(input.view ? { view: input.view } : {}),
    state: { values: {} },
    actions: [action],
  };
  return sendPayload(app, payload, options);
}

/** One input's state as Slack reports it in `view.state.values[blockId][actionId]`. */
export type ViewStateValue = { type: string } & Record<string, unknown>;
export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

export const stateValue = {
  text: (value: string | null): ViewStateValue => ({ type: 'plain_text_input', value }),
  select: (value: string | null, text = value ?? ''): ViewStateValue => ({
    type: 'static_select',
    selected_option: value === null ? null : { value, text: { type: 'plain_text', text } },
  }),
  checkboxes: (values: string[]): ViewStateValue => ({
    type: 'checkboxes',
    selected_options: values.map((value) => ({ value, text: { type: 'plain_text', text: value } })),
  }),
  conversation: (id: string | null): ViewStateValue => ({
    type: 'conversations_select',
    selected_conversation: id,
  }),
};

export interface ViewSubmissionInput {
  callbackId: string;
  values: ViewStateValues;
  privateMetadata?: string;
  userId?: string;
  viewId?: string;
  blocks?: unknown[];
}

export function sendViewSubmission(
  app: SlackAppTarget,
  input: ViewSubmissionInput,
  options?: SendOptions,
): Promise<SlackReply> {
  const viewId = input.viewId ?? 'V0000000001';
  const payload = {
    type: 'view_submission',
    team: { id: TEST_TEAM_ID, domain: TEST_TEAM_DOMAIN },
    user: userOf(input.userId ?? TEST_USER_ID),
    api_app_id: TEST_APP_ID,
    token: 'verification-token-unused',
    trigger_id: newTriggerId(),
    view: {
      id: viewId,
      team_id: TEST_TEAM_ID,
      type: 'modal',
      blocks: input.blocks ?? [],
      private_metadata: input.privateMetadata ?? '',
      callback_id: input.callbackId,
      state: { values: input.values },
      hash: `${nowSeconds()}.abcdef12`,
      title: { type: 'plain_text', text: 'finsync' },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit' },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: TEST_APP_ID,
      external_id: '',
      app_installed_team_id: TEST_TEAM_ID,
      bot_id: EMULATED_BOT_ID,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return sendPayload(app, payload, options);
}

/** An Events API event; `type` is required, `event_ts` is filled in when absent. */
export type SlackEventInput = { type: string } & Record<string, unknown>;

export function appHomeOpened(
  userId: string = TEST_USER_ID,
  tab: 'home' | 'messages' = 'home',
): SlackEventInput {
  return { type: 'app_home_opened', user: userId, channel: 'D0APPHOME', tab };
}

let eventCount = 0;

export function sendEvent(
  app: SlackAppTarget,
  event: SlackEventInput,
  options?: SendOptions,
): Promise<SlackReply> {
  eventCount += 1;
  const envelope = {
    token: 'verification-token-unused',
    team_id: TEST_TEAM_ID,
    api_app_id: TEST_APP_ID,
    event: { event_ts: `${nowSeconds()}.${String(eventCount).padStart(6, '0')}`, ...event },
    type: 'event_callback',
    event_id: `Ev${String(eventCount).padStart(8, '0')}`,
    event_time: nowSeconds(),
    authorizations: [
      {
        enterprise_id: null,
        team_id: TEST_TEAM_ID,
        user_id: EMULATED_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    authed_users: [EMULATED_BOT_USER_ID],
    is_ext_shared_channel: false,
  };
  return sendSignedRequest(app, JSON.stringify(envelope), 'application/json', options);
}
