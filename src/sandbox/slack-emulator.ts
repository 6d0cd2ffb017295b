/**
 * A local Slack Web API emulator: an HTTP server on 127.0.0.1 that @slack/web-api (and so Bolt) can
 * talk to through `slackApiUrl`/`SLACK_API_URL`. It records every call, enforces the Block Kit limits
 * Slack enforces, can be told to fail the next call, and serves response URLs, so tests and the sandbox
 * exercise the real client code path instead of a mock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelMessages, threadMessages } from './slack-emulator-history.ts';
import { METHODS } from './slack-emulator-methods.ts';
import { checkMessage } from './slack-emulator-rules.ts';
import {
  type EmulatedChannel,
  type EmulatedMessage,
  type EmulatedUser,
  type EmulatorState,
  type Json,
  messageKey,
  newEmulatorState,
} from './slack-emulator-state.ts';

export {
  EMULATED_APP_ID,
  EMULATED_BOT_ID,
  EMULATED_BOT_USER_ID,
  EMULATED_TEAM_DOMAIN,
  EMULATED_TEAM_ID,
  type EmulatedChannel,
  type EmulatedMessage,
  type EmulatedMetadata,
  type EmulatedUser,
} from './slack-emulator-state.ts';

export interface SlackCall {
  method: string;
  /** Parsed arguments without the token; JSON-string fields (`blocks`, `view`, …) parsed. */
  args: Record<string, unknown>;
  at: number;
  /** What the emulator answered: `ok`, and Slack's error code when it refused. */
  ok: boolean;
  error?: string;
  /** The id Slack gave the view (views.open, push, update, publish): what a later submission of it carries. */
  viewId?: string;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
  ok: boolean;
  error?: string;
}

export type SlackFailure = { status: 429; retryAfterSeconds: number } | { status: 500 } | { error: string };

export interface SlackEmulatorOptions {
  /** When given, every call must carry this token (else `invalid_auth`). */
  botToken?: string;
  port?: number;
}

export interface SlackEmulator {
  /** Base URL for `SLACK_API_URL` / `slackApiUrl`, ending in `/api/`. */
  readonly url: string;
  readonly calls: SlackCall[];
  readonly responses: ResponseUrlPost[];
  callsTo(method: string): SlackCall[];
  waitForCall(
    method: string,
    predicate?: (call: SlackCall) => boolean,
    timeoutMs?: number,
  ): Promise<SlackCall>;
  waitForResponse(
    predicate?: (post: ResponseUrlPost) => boolean,
    timeoutMs?: number,
  ): Promise<ResponseUrlPost>;
  responseUrl(id: string): string;
  /** Queues a failure for the next call to `method` (several calls queue several failures). */
  failNext(method: string, failure: SlackFailure): void;
  setChannel(id: string, channel: EmulatedChannel): void;
  setUser(id: string, user: EmulatedUser): void;
  setUserGroup(id: string, userIds: string[]): void;
  /** The name a person sees for a channel or user id (`finance`, `sandbox-user`); undefined when unknown. */
  channelName(id: string): string | undefined;
  userName(id: string): string | undefined;
  /** A message as it stands now (after chat.update), or undefined once deleted or never posted. */
  message(channel: string, ts: string): EmulatedMessage | undefined;
  /** Messages currently in a channel, thread replies included, oldest first. */
  messagesIn(channel: string): EmulatedMessage[];
  /** What the channel shows (conversations.history's messages), oldest first: broadcast replies included. */
  topLevelMessages(channel: string): EmulatedMessage[];
  /** The replies in the thread of parent `ts` (without the parent; broadcast ones too), oldest first. */
  threadReplies(channel: string, ts: string): EmulatedMessage[];
  /** The Home tab last published for a user. */
  homeView(userId: string): Record<string, unknown> | undefined;
  /** Forgets calls, responses, queued failures, messages and views; keeps channels, users and groups. */
  reset(): void;
  close(): Promise<void>;
}

/** Slack's limit on posts per response URL. */
const RESPONSE_URL_POSTS = 5;
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);
const MAX_BODY_BYTES = 5 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Arguments as @slack/web-api sends them: form-urlencoded with objects JSON-encoded, or a JSON body. */
function parseArgs(req: IncomingMessage, raw: string, query: URLSearchParams): Json {
  const args: Json = Object.fromEntries(query);
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json') && raw.trim() !== '') {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(args, parsed);
  } else if (raw !== '') {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
  }
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // Left as a string: the method then answers invalid_blocks_format / invalid_arguments like Slack.
    }
  }
  return args;
}

function tokenOf(req: IncomingMessage, args: Json): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return typeof args['token'] === 'string' ? args['token'] : undefined;
}

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function waitFor<T>(
  list: () => T[],
  match: (item: T) => boolean,
  timeoutMs: number,
  waiters: Set<() => void>,
  what: string,
): Promise<T> {
  const found = list().find(match);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise<T>((resolve, reject) => {
    const check = () => {
      const item = list().find(match);
      if (item === undefined) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(item);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`slack emulator: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.add(check);
  });
}

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  let state: EmulatorState = newEmulatorState();
  const calls: SlackCall[] = [];
  const responses: ResponseUrlPost[] = [];
  const failures = new Map<string, SlackFailure[]>();
  const responseCounts = new Map<string, number>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const record = (method: string, args: Json, answer: Json) => {
    const { token: _token, ...visible } = args;
    const error = typeof answer['error'] === 'string' ? answer['error'] : undefined;
    const view = answer['view'];
    const viewId = typeof view === 'object' && view !== null ? (view as { id?: unknown }).id : undefined;
    calls.push({
      method,
      args: visible,
      at: Date.now(),
      ok: answer['ok'] === true,
      ...(error ? { error } : {}),
      ...(typeof viewId === 'string' ? { viewId } : {}),
    });
    notify();
  };

  const answerFor = (method: string, token: string | undefined, args: Json): Json => {
    const handler = METHODS[method];
    if (!handler) return { ok: false, error: 'unknown_method' };
    // Slack says not_authed when no token came at all, invalid_auth when it is the wrong one.
    if (!token) return { ok: false, error: 'not_authed' };
    if (options.botToken !== undefined && token !== options.botToken)
      return { ok: false, error: 'invalid_auth' };
    return handler(args, state);
  };

  const handleApi = (req: IncomingMessage, res: ServerResponse, method: string, args: Json) => {
    const failure = failures.get(method)?.shift();
    if (failure) {
      if ('error' in failure) {
        record(method, args, { ok: false, error: failure.error });
        return send(res, 200, { ok: false, error: failure.error });
      }
      const error = failure.status === 429 ? 'ratelimited' : 'internal_error';
      record(method, args, { ok: false, error });
      const headers: Record<string, string> =
        failure.status === 429 ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      return send(res, failure.status, { ok: false, error }, headers);
    }
    const answer = answerFor(method, tokenOf(req, args), args);
    record(method, args, answer);
    send(res, 200, answer);
  };

  const handleResponseUrl = (res: ServerResponse, id: string, raw: string) => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const count = (responseCounts.get(id) ?? 0) + 1;
    responseCounts.set(id, count);
    const payload: Json =
      typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Json) : {};
    let status = 200;
    let error: string | undefined;
    if (count > RESPONSE_URL_POSTS) [status, error] = [404, 'used_url'];
    else if (payload !== body) [status, error] = [400, 'invalid_payload'];
    else if (payload['delete_original'] !== true) {
      const refusal = checkMessage(payload);
      if (refusal) [status, error] = [400, refusal.error];
    }
    responses.push({ id, body, at: Date.now(), ok: status === 200, ...(error ? { error } : {}) });
    notify();
    send(res, status, error ? { ok: false, error } : { ok: true });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    readBody(req)
      .then((raw) => {
        const api = /^\/api\/([\w.]+)$/.exec(url.pathname);
        if (api) return handleApi(req, res, api[1]!, parseArgs(req, raw, url.searchParams));
        const response = /^\/response\/([^/]+)$/.exec(url.pathname);
        if (response && req.method === 'POST')
          return handleResponseUrl(res, decodeURIComponent(response[1]!), raw);
        send(res, 404, { ok: false, error: 'not_found' });
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) send(res, 400, { ok: false, error: 'invalid_request', detail: message });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${base}/api/`,
    calls,
    responses,
    callsTo: (method) => calls.filter((call) => call.method === method),
    waitForCall: (method, predicate = () => true, timeoutMs = 2000) =>
      waitFor(
        () => calls,
        (c) => c.method === method && predicate(c),
        timeoutMs,
        waiters,
        `${method} call`,
      ),
    waitForResponse: (predicate = () => true, timeoutMs = 2000) =>
      waitFor(() => responses, predicate, timeoutMs, waiters, 'response URL post'),
    responseUrl: (id) => `${base}/response/${encodeURIComponent(id)}`,
    failNext: (method, failure) => {
      failures.set(method, [...(failures.get(method) ?? []), failure]);
    },
    setChannel: (id, channel) => {
      state.channels.set(id, { ...channel });
    },
    setUser: (id, user) => {
      // Throws RangeError now for a zone Intl does not know, rather than later inside users.info.
      new Intl.DateTimeFormat('en-US', { timeZone: user.tz });
      state.users.set(id, { ...user });
    },
    setUserGroup: (id, userIds) => {
      state.userGroups.set(id, [...userIds]);
    },
    channelName: (id) => state.channels.get(id)?.name,
    userName: (id) => state.users.get(id)?.name,
    message: (channel, ts) => {
      const found = state.messages.get(messageKey(channel, ts));
      return found ? structuredClone(found) : undefined;
    },
    messagesIn: (channel) =>
      [...state.messages.values()].filter((m) => m.channel === channel).map((m) => structuredClone(m)),
    topLevelMessages: (channel) => channelMessages(state, channel).map((m) => structuredClone(m)),
    threadReplies: (channel, ts) => threadMessages(state, channel, ts).map((m) => structuredClone(m)),
    homeView: (userId) => {
      const id = state.homeViews.get(userId);
      return id ? state.views.get(id) : undefined;
    },
    reset: () => {
      calls.length = 0;
      responses.length = 0;
      failures.clear();
      responseCounts.clear();
      const { channels, users, userGroups } = state;
      state = { ...newEmulatorState(), channels, users, userGroups, lastTsMicros: state.lastTsMicros };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets from fetch would otherwise hold close() open until they time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
