/**
 * Start-up's check that Slack answers and accepts the bot token (`auth.test`), bounded in time.
 * Bolt's own client retries for about half an hour and logs `fetch failed` on every attempt; this check
 * uses a client of its own with a short retry policy and per-request timeout, so a wrong SLACK_API_URL,
 * a network problem or a revoked token stops start-up within seconds with one line that says which.
 */
import { webApi } from '@slack/bolt';
import { ConfigError } from '../errors.ts';

/** Slack's answers that mean the token itself is refused (auth.test documents these). */
const REFUSED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked']);

export interface SlackCheckOptions {
  readonly token: string;
  readonly apiUrl: string;
  readonly fetch?: typeof fetch;
  /** The whole check, retries included, ends within this (default 10 s). */
  readonly deadlineMs?: number;
}

export interface SlackIdentity {
  readonly botUserId: string | undefined;
  readonly botId: string | undefined;
}

const silent: webApi.Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => undefined,
};

/** Resolves with the bot's identity, or throws a ConfigError naming the setting to check, in one line. */
export async function checkSlack(options: SlackCheckOptions): Promise<SlackIdentity> {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const url = `${options.apiUrl.replace(/\/?$/, '/')}auth.test`;
  const client = new webApi.WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    logger: silent,
    // Two quick retries for a blip; each attempt waits at most a third of the deadline.
    retryConfig: { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 1_000, randomize: false },
    timeout: Math.max(1, Math.floor(deadlineMs / 3.5)),
    rejectRateLimitedCalls: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(unreachable(url, `no answer within ${Math.round(deadlineMs / 1000)} s`)),
      deadlineMs,
    );
    timer.unref();
  });
  try {
    const result = await Promise.race([client.auth.test(), deadline]);
    return { botUserId: result.user_id, botId: result.bot_id };
  } catch (error) {
    throw error instanceof ConfigError ? error : explain(error, url);
  } finally {
    clearTimeout(timer);
  }
}

function explain(error: unknown, url: string): ConfigError {
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error;
    return REFUSED.has(code)
      ? new ConfigError(
          'SLACK_BOT_TOKEN',
          `Slack refused the bot token (${code}) at ${url}: check SLACK_BOT_TOKEN`,
        )
      : new ConfigError(
          'SLACK_API_URL',
          `Slack answered auth.test at ${url} with ${code}: check SLACK_API_URL / network`,
        );
  }
  if (error instanceof webApi.WebAPIHTTPError)
    return unreachable(
      url,
      `HTTP ${error.statusCode}${error.statusMessage ? ` ${error.statusMessage}` : ''}`,
    );
  if (error instanceof webApi.WebAPIRateLimitedError)
    return unreachable(url, `rate limited, retry after ${error.retryAfter} s`);
  if (error instanceof webApi.WebAPIRequestError) return unreachable(url, reason(error.original));
  return unreachable(url, reason(error));
}

function unreachable(url: string, why: string): ConfigError {
  return new ConfigError(
    'SLACK_API_URL',
    `Slack cannot be reached at ${url} (${why}): check SLACK_API_URL / network`,
  );
}

/** The innermost cause in a few words (`connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND x`). */
function reason(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const text = current instanceof Error ? current.message : String(current);
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 159)}…` : oneLine;
}
