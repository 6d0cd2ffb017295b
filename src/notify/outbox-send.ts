/**
 * One delivery attempt of one outbox message: for an unconfirmed chat.postMessage, first look for it in
 * Slack (outbox-confirm.ts); then the Web API call, its answer reduced to what the outbox records.
 */
import { webApi } from '@slack/bolt';
import type { ClaimedItem } from '../store/ports/outbox.ts';
import { withMarker } from './outbox-args.ts';
import { findPosted } from './outbox-confirm.ts';
import { classifySlackError, type FailedCall } from './outbox-errors.ts';

export interface OutboxClientOptions {
  readonly slackApiUrl?: string;
  /** Per call; a call that times out is retried as unsure. */
  readonly timeoutMs?: number;
  readonly logger?: webApi.WebClientOptions['logger'];
  /** Replaces global fetch (a proxy; tests that lose answers on purpose). */
  readonly fetch?: webApi.FetchFunction;
}

/** The WebClient the outbox needs: 429s come back to the outbox instead of being waited out inside. */
export function outboxWebClient(token: string, options: OutboxClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient(token, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? 30_000,
  });
}

export type Outcome =
  | { readonly kind: 'delivered'; readonly ts?: string; readonly channel?: string; readonly called: boolean }
  | FailedCall;

export interface SendHooks {
  /** An unconfirmed post was found in Slack: recorded as delivered without posting it again. */
  found(key: string): void;
  /** Slack's history cannot be read (`missing_scope`…): the unconfirmed post is sent again. */
  unavailable(error: string, key: string): void;
}

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export async function sendOnce(
  client: webApi.WebClient,
  item: ClaimedItem,
  args: Record<string, unknown>,
  hooks: SendHooks,
): Promise<Outcome> {
  if (item.unconfirmed && item.method === 'chat.postMessage') {
    const lookup = await findPosted(client, args, item.key, item.firstClaimedAt);
    if (lookup.kind === 'found') {
      hooks.found(item.key);
      return { kind: 'delivered', ts: lookup.ts, channel: lookup.channel, called: false };
    }
    if (lookup.kind === 'retry') return lookup.failure;
    if (lookup.kind === 'unavailable') hooks.unavailable(lookup.error, item.key);
  }
  try {
    const result = await client.apiCall(item.method, withMarker(item.method, args, item.key));
    const ts = str(Reflect.get(result, 'ts')) ?? str(Reflect.get(result, 'message_ts'));
    const channel = str(Reflect.get(result, 'channel'));
    return { kind: 'delivered', called: true, ...(ts ? { ts } : {}), ...(channel ? { channel } : {}) };
  } catch (error) {
    return classifySlackError(error);
  }
}
