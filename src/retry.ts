/**
 * Bounded retries with capped exponential backoff and full jitter (AWS architecture blog's "full jitter").
 * Only errors classified as transient or rate_limited are retried; a rate limit waits what the provider asked.
 * Nothing is retried forever: after `attempts` tries the last error is thrown.
 */
import { classify, RateLimitError } from './errors.ts';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryOptions {
  /** Total tries including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Upper bound for one rate-limit wait, whatever the provider says. */
  readonly maxRateLimitWaitMs?: number;
  readonly sleep?: Sleep;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRateLimitWaitMs: 120_000,
};

export function backoffDelay(attempt: number, options: RetryOptions, error: unknown): number {
  if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
    return Math.min(error.retryAfterMs, options.maxRateLimitWaitMs ?? options.maxDelayMs);
  }
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round((options.random ?? Math.random)() * ceiling);
}

export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const kind = classify(error);
      const retryable = kind === 'transient' || kind === 'rate_limited';
      if (!retryable || attempt >= options.attempts || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, options, error);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
