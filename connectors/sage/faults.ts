/**
 * Sage's API errors to finsync's typed errors. Sage answers failures with an array of
 * `{ "$severity", "$dataCode", "$message", "$source" }` (its "Error Codes" guide); the class is decided by the
 * HTTP status and the `$dataCode`, never by the message:
 * - 401 (`AuthorizationFailure`, an expired or revoked access token): SageTokenRejectedError, which the client
 *   answers with one refresh; still refused after it: AuthError (needs reconnect).
 * - 403 `MultiUserAccessDenied` (the user no longer reaches this business, or lost the role) and other 403s:
 *   AuthError, naming the fix.
 * - 429: RateLimitError with `Retry-After`; 5xx: TransientError (retried with backoff).
 * - Anything else: InvalidRequestError (a bug or a setting; retrying would not help).
 */
import { AuthError, InvalidRequestError, RateLimitError, TransientError } from '../../src/errors.ts';

export interface SageErrorItem {
  readonly severity: string;
  readonly dataCode: string;
  readonly message: string;
  readonly source: string;
}

/** The access token was refused: the client refreshes once and tries again. */
export class SageTokenRejectedError extends AuthError {}

/** Sage's error array (or a single error object), read defensively: unknown shapes give an empty list. */
export function readSageErrors(body: unknown): readonly SageErrorItem[] {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? [body] : [];
  return list.flatMap((item) => {
    if (typeof item !== 'object' || item === null) return [];
    const o = item as Record<string, unknown>;
    const text = (key: string) => (typeof o[key] === 'string' ? (o[key] as string) : '');
    if (!text('$dataCode') && !text('$message')) return [];
    return [
      {
        severity: text('$severity'),
        dataCode: text('$dataCode'),
        message: text('$message').slice(0, 200),
        source: text('$source').slice(0, 100),
      },
    ];
  });
}

/** `Retry-After` in seconds (or an HTTP date) as ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function mapSageError(status: number, body: unknown, retryAfter: string | null, what: string): Error {
  const errors = readSageErrors(body);
  const codes = errors.map((e) => e.dataCode);
  const said = errors.map((e) => `${e.dataCode}: ${e.message}`).join('; ') || `HTTP ${status}`;
  if (status === 401 || codes.includes('AuthorizationFailure'))
    return new SageTokenRejectedError(`Sage refused the access token for ${what} (${said})`);
  if (status === 403 || codes.includes('MultiUserAccessDenied'))
    return new AuthError(
      `Sage refused access to the business for ${what} (${said}): the Sage user who connected it may have lost access to it or its Bank, Sales or Purchases areas; reconnect with a user who has them.`,
    );
  if (status === 429)
    return new RateLimitError(`Sage is rate limiting ${what} (${said})`, retryAfterMs(retryAfter));
  if (status >= 500) return new TransientError(`Sage failed ${what} (${said})`);
  return new InvalidRequestError(`Sage refused ${what} (${said})`);
}
