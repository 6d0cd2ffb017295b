/**
 * What one failed Slack call means for an outbox message: wait what Slack asked (429), retry with backoff
 * (5xx, network, Slack's transient error codes), or give up (every other `ok: false`). A retry is also
 * marked *unsure* when Slack may have acted on the call although we never saw it answer.
 */
import { webApi } from '@slack/bolt';
import { errorMessage } from '../errors.ts';

export type FailedCall =
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly error: string }
  | { readonly kind: 'transient'; readonly error: string; readonly unsure: boolean }
  | { readonly kind: 'permanent'; readonly error: string };

/** `ok: false` codes worth retrying; every other code is final (channel_not_found, is_archived, invalid_blocks…). */
const TRANSIENT_CODES = new Set([
  'ratelimited',
  'service_unavailable',
  'internal_error',
  'fatal_error',
  'request_timeout',
  'team_added_to_org',
]);
/** Slack documents these as "some aspect of the operation may have succeeded". */
const UNSURE_CODES = new Set(['internal_error', 'fatal_error', 'request_timeout']);
/** Network failures where the request cannot have reached Slack. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Fallback wait when Slack says `ratelimited` without a usable Retry-After. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function classifySlackError(error: unknown): FailedCall {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof webApi.WebAPIRateLimitedError || code === webApi.ErrorCode.RateLimitedError) {
    const seconds = (error as { retryAfter?: unknown }).retryAfter;
    const retryAfterMs =
      typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : DEFAULT_RATE_LIMIT_WAIT_MS;
    return { kind: 'rate_limited', retryAfterMs, error: 'ratelimited' };
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const slackError = error.data.error;
    if (slackError === 'ratelimited') {
      const seconds = error.data.response_metadata?.retryAfter;
      return {
        kind: 'rate_limited',
        retryAfterMs: typeof seconds === 'number' ? seconds * 1000 : DEFAULT_RATE_LIMIT_WAIT_MS,
        error: slackError,
      };
    }
    if (TRANSIENT_CODES.has(slackError))
      return { kind: 'transient', error: slackError, unsure: UNSURE_CODES.has(slackError) };
    return { kind: 'permanent', error: slackError };
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    // A 5xx may come from a proxy after Slack did the work: unsure. Other statuses are refusals.
    if (error.statusCode >= 500)
      return { kind: 'transient', error: `http_${error.statusCode}`, unsure: true };
    return { kind: 'permanent', error: `http_${error.statusCode}` };
  }
  if (error instanceof webApi.WebAPIRequestError) {
    const network = causeCode(error.original);
    return {
      kind: 'transient',
      error: network ? `network_${network}` : `request_failed: ${errorMessage(error.original)}`,
      unsure: !(network && NOT_SENT_CODES.has(network)),
    };
  }
  // Anything else (a 429 without Retry-After, a bug): retried a bounded number of times, assumed unsure.
  return { kind: 'transient', error: errorMessage(error), unsure: true };
}

export interface OutboxRetry {
  /** Tries in all for transient failures (rate limits do not count). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** 8 tries, the waits doubling from 5 s to at most 4 min: about 5 to 10 minutes in all with jitter. */
export const DEFAULT_OUTBOX_RETRY: OutboxRetry = { attempts: 8, baseDelayMs: 5_000, maxDelayMs: 240_000 };

/** Wait after the n-th transient failure: "equal jitter", so waits never collapse to zero. */
export function retryDelayMs(
  failures: number,
  retry: OutboxRetry,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
