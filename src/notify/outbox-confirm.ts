/**
 * Slack's chat.postMessage takes no idempotency key, so a post whose answer never came back (network cut,
 * timeout, 5xx, or a crash between the call and recording it) may or may not be in the channel. Before
 * posting such a message again, the outbox looks for it: every post carries its outbox key in message
 * metadata, and conversations.history (conversations.replies for a thread reply) with
 * `include_all_metadata` shows it. This needs the history scopes (`channels:history`, `groups:history`,
 * `im:history`, `mpim:history`); without them Slack answers `missing_scope`, the lookup is "unavailable"
 * and the message is posted again (at-least-once, for that unsure message only).
 */
import type { webApi } from '@slack/bolt';
import { markerOf } from './outbox-args.ts';
import { classifySlackError, type FailedCall } from './outbox-errors.ts';

export type Lookup =
  | { readonly kind: 'found'; readonly ts: string; readonly channel: string }
  | { readonly kind: 'absent' }
  /** History cannot be read (missing scope, a user id instead of a channel id…): post again. */
  | { readonly kind: 'unavailable'; readonly error: string }
  /** The lookup itself hit a rate limit or a transient error: look again later. */
  | { readonly kind: 'retry'; readonly failure: FailedCall };

/** Slack allows non-Marketplace apps 15 messages per page (and one page a minute); 5 pages is a bound. */
const PAGE_SIZE = 100;
const MAX_PAGES = 5;
/** Our clock and Slack's may differ; look a little before the first attempt. */
const CLOCK_SLACK_MS = 60_000;

export async function findPosted(
  client: webApi.WebClient,
  args: Readonly<Record<string, unknown>>,
  key: string,
  firstAttemptAt: number,
): Promise<Lookup> {
  const channel = args['channel'];
  if (typeof channel !== 'string') return { kind: 'unavailable', error: 'no_channel' };
  const threadTs = typeof args['thread_ts'] === 'string' ? args['thread_ts'] : undefined;
  const oldest = ((firstAttemptAt - CLOCK_SLACK_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let result: webApi.WebAPICallResult;
    try {
      const query = {
        channel,
        oldest,
        include_all_metadata: true,
        limit: PAGE_SIZE,
        ...(cursor ? { cursor } : {}),
      };
      result = threadTs
        ? await client.apiCall('conversations.replies', { ...query, ts: threadTs })
        : await client.apiCall('conversations.history', query);
    } catch (error) {
      const failure = classifySlackError(error);
      return failure.kind === 'permanent'
        ? { kind: 'unavailable', error: failure.error }
        : { kind: 'retry', failure };
    }
    const found: unknown = Reflect.get(result, 'messages');
    const messages: readonly unknown[] = Array.isArray(found) ? found : [];
    for (const message of messages) {
      if (markerOf(message) !== key) continue;
      const ts = (message as { ts?: unknown }).ts;
      if (typeof ts === 'string') return { kind: 'found', ts, channel };
    }
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) return { kind: 'absent' };
  }
  // Not in the newest pages: beyond the bound, treated as not posted.
  return { kind: 'absent' };
}
