/**
 * The replay-memory port: identities of requests already handled (Slack request ids, provider webhook
 * deliveries), remembered for a window, so a request replayed to any process sharing the store is handled
 * once. Keys are namespaced by the caller (`slack:…`, `webhook:stripe:…`).
 */

export interface ReplayStore {
  /**
   * True the first time `key` is claimed within `ttlMs` (from `now`, epoch ms), false while an earlier claim
   * is live: atomic across processes, so of two concurrent claims exactly one is true.
   */
  claim(key: string, ttlMs: number, now: number): Promise<boolean>;
  /** Forgets a claim (its handling failed, so the sender's retry is not a replay). */
  release(key: string): Promise<void>;
  /** Forgets claims whose window ended before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
