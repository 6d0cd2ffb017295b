/**
 * PayPal error answers mapped to the engine's typed errors by HTTP status and PayPal's error `name` (never by
 * message text). Every message carries PayPal's `debug_id`: PayPal support asks for it, so the alert shows it.
 * Messages never carry the client secret, the access token or the request's Authorization header.
 */
import { AuthError, InvalidRequestError, RateLimitError, TransientError } from '../../src/errors.ts';
import { redactText } from '../../src/log.ts';
import type { PayPalErrorBody } from './wire.ts';

/** Without a Retry-After header, a 429 waits this long (PayPal publishes no figure). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

/** What to do when Transaction Search is missing: the fix, and that it is not instant. */
export const PERMISSION_FIX =
  'Enable "Transaction search" for this REST app (developer.paypal.com → Apps & Credentials → the app → Features) and connect again; PayPal can take several hours to grant the permission after it is enabled.';

/** A window holding more rows than PayPal serves in one result set (10,000): the stream splits it. */
export class ResultSetTooLargeError extends InvalidRequestError {}

/** The access token was refused on an API call: fetch a new one once and try again. */
export class PayPalTokenRejectedError extends AuthError {}

/** `(debug_id 8a5d…)`, or nothing. */
function debugSuffix(body: PayPalErrorBody): string {
  return body.debug_id ? ` (PayPal debug_id ${body.debug_id})` : '';
}

/** PayPal's reason in its own words: name, message, and the first detail's issue. */
export function describeError(status: number, body: PayPalErrorBody): string {
  const detail = body.details?.[0];
  const parts = [
    body.name ?? body.error ?? `HTTP ${status}`,
    body.message ?? body.error_description,
    detail ? [detail.field, detail.issue, detail.description].filter(Boolean).join(' ') : undefined,
  ].filter((part): part is string => typeof part === 'string' && part !== '');
  return `${parts.join(': ')}${debugSuffix(body)}`;
}

export function retryAfterMs(header: string | null): number {
  if (header === null || header.trim() === '') return DEFAULT_RATE_LIMIT_WAIT_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? DEFAULT_RATE_LIMIT_WAIT_MS : Math.max(0, at - Date.now());
}

/**
 * One failed answer of `what` ("transaction search", "token") as a typed error. `tokenCall`: the OAuth
 * endpoint, whose 401 means the client id or secret was refused (a reconnect), not a stale token.
 */
export function mapPayPalError(
  what: string,
  status: number,
  body: PayPalErrorBody,
  retryAfter: string | null,
  tokenCall = false,
): Error {
  const reason = redactText(`PayPal ${what}: ${describeError(status, body)}`.slice(0, 800));
  if (status === 401) {
    if (tokenCall || body.error === 'invalid_client') {
      return new AuthError(
        `${reason} — PayPal refused the client id or secret; reconnect with the app's current credentials.`,
      );
    }
    return new PayPalTokenRejectedError(reason);
  }
  if (status === 403) return new AuthError(`${reason} — ${PERMISSION_FIX}`);
  if (status === 429) return new RateLimitError(reason, retryAfterMs(retryAfter));
  if (status >= 500 || status === 408 || status === 409) return new TransientError(reason);
  if (status === 400 && body.name === 'RESULTSET_TOO_LARGE') return new ResultSetTooLargeError(reason);
  // 400 on the token call with invalid_client: refused credentials (PayPal answers 401 or 400 for it).
  if (tokenCall && body.error === 'invalid_client') {
    return new AuthError(`${reason} — PayPal refused the client id or secret.`);
  }
  return new InvalidRequestError(reason);
}
