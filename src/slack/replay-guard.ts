/**
 * Drops replayed Slack requests. Bolt checks the signature and a 5-minute timestamp window, but a request
 * captured within those 5 minutes still verifies when sent again. Each request carries an identity Slack
 * never reuses (an event's `event_id`; a command's or interaction's `trigger_id`; failing that, a view's id
 * and hash), so the guard remembers each one for 10 minutes (longer than the window) and acks a repeat with
 * an empty 200 without running any listener. Slack's own retries of an event (`x-slack-retry-num`, same
 * event_id) are therefore processed once, which is what an event handler wants anyway.
 *
 * Memory is bounded: at most `maxEntries` identities (oldest forgotten first). Only Slack can sign requests,
 * so reaching the cap means a very busy workspace, not an attack; it is logged.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../log.ts';

export interface ReplayGuardOptions {
  readonly log: Logger;
  /** How long an identity is remembered; default 10 minutes. */
  readonly rememberMs?: number;
  /** Most identities remembered at once; default 100,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

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

/** Remembers identities for a while, oldest first; `seen` records the identity and says if it was known. */
export class SeenRequests {
  // Insertion order is arrival order, so the oldest entries are at the front.
  private readonly at = new Map<string, number>();
  private evictedFresh = 0;

  constructor(
    private readonly rememberMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.at.size;
  }

  /** How many identities were forgotten before their time because of the cap. */
  get forgottenEarly(): number {
    return this.evictedFresh;
  }

  seen(identity: string): boolean {
    const now = this.now();
    for (const [key, time] of this.at) {
      if (now - time < this.rememberMs) break;
      this.at.delete(key);
    }
    if (this.at.has(identity)) return true;
    if (this.at.size >= this.maxEntries) {
      const oldest = this.at.keys().next().value;
      if (oldest !== undefined) this.at.delete(oldest);
      this.evictedFresh += 1;
    }
    this.at.set(identity, now);
    return false;
  }
}

export function replayGuard(options: ReplayGuardOptions): Middleware<AnyMiddlewareArgs> {
  const seen = new SeenRequests(
    options.rememberMs ?? 10 * 60_000,
    options.maxEntries ?? 100_000,
    options.now ?? Date.now,
  );
  let warnedCap = false;
  return async (args) => {
    const identity = requestIdentity(args.body);
    if (identity === undefined || !seen.seen(identity)) {
      if (seen.forgottenEarly > 0 && !warnedCap) {
        warnedCap = true;
        options.log.warn('replay guard is full: the oldest request ids are forgotten early', {
          maxEntries: options.maxEntries ?? 100_000,
        });
      }
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
