/**
 * Slack wants a view submission answered within 3 s. Work that may take longer (a provider verifying a key,
 * revoking a grant) is raced against a shorter window: in time, the answer goes in the ack; late, the
 * listener acks with a "working on it" view and updates it when the work is done.
 */
export const ANSWER_WITHIN_MS = 2_000;

export type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** Never rejects: the outcome of `work`, as data. */
export function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The outcome when it arrives within the window, else null (the work goes on; await `attempt` later). */
export function withinAckWindow<T>(attempt: Promise<T>, ms = ANSWER_WITHIN_MS): Promise<T | null> {
  return Promise.race([attempt, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);
}
