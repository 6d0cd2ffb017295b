/**
 * Drops replayed Slack requests. Bolt checks the signature and a 5-minute timestamp window, but a request
 * captured within those 5 minutes still verifies when sent again. Each request carries an identity Slack
 * never reuses (an event's `event_id`; a command's or interaction's `trigger_id`; failing that, a view's id
 * and hash), so the guard remembers each one for 10 minutes (longer than the window) and acks a repeat with
 * an empty 200 without running any listener. Slack's own retries of an event (`x-slack-retry-num`, same
 * event_id) are therefore processed once, which is what an event handler wants anyway.
 *
 * The identities live in the store (ports/replays.ts, `slack:`-prefixed keys), so a request replayed to
 * another process sharing the store is dropped there too. Expired ones are swept once a minute.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../log.ts';
import type { ReplayStore } from '../store/ports/replays.ts';

export interface ReplayGuardOptions {
  readonly log: Logger;
  /** Requests already handled, shared by every process on the store (`store.replays`). */
  readonly replays: ReplayStore;
  /** How long an identity is remembered; default 10 minutes. */
  readonly rememberMs?: number;
  readonly now?: () => number;
}

const PURGE_EVERY_MS = 60_000;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The identity Slack gives this request, or undefined when it has none (it is then never dropped). */
export function requestIdentity(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const team = text(body['team_id']) ?? (isObject(body['team']) ? text(body['team']['id']) : undefined) ?? '';
  const type = text(body['type']);
  if (type === 'event_callback') {
    const eventId = text(body['event_id']);
    return eventId && `event:${team}:${eventId}`;
  }
  const trigger = text(body['trigger_id']);
  if (trigger) return `trigger:${trigger}`;
  // view_closed carries no trigger: the view version it was sent for is closed once. (Not for
  // block_suggestion, whose requests for one view version differ only in what the person typed.)
  const view = body['view'];
  if (type === 'view_closed' && isObject(view) && text(view['id']) && text(view['hash']))
    return `view_closed:${String(view['id'])}:${String(view['hash'])}`;
  return undefined;
}

export function replayGuard(options: ReplayGuardOptions): Middleware<AnyMiddlewareArgs> {
  const rememberMs = options.rememberMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  let purgedAt = Number.NEGATIVE_INFINITY;
  /** True the first time an identity is seen within the window, in any process. */
  const first = async (identity: string): Promise<boolean> => {
    const at = now();
    if (at - purgedAt >= PURGE_EVERY_MS) {
      purgedAt = at;
      await options.replays.purgeExpired(at);
    }
    return options.replays.claim(`slack:${identity}`, rememberMs, at);
  };
  return async (args) => {
    const identity = requestIdentity(args.body);
    if (identity === undefined || (await first(identity))) {
      await args.next();
      return;
    }
    // A repeat: answer Slack (events are already acked by Bolt) and run nothing. Slack's own retries of
    // an event are expected; anything else repeated is a replay worth a warning.
    const retryNum = args.context.retryNum;
    if (retryNum !== undefined)
      options.log.info('skipped a Slack retry already processed', { identity, retryNum });
    else options.log.warn('dropped a replayed Slack request', { identity });
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
