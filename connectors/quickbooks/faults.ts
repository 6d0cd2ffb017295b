/**
 * Intuit's `Fault` envelope and what node-quickbooks hands back on failure, mapped to our typed errors by HTTP
 * status and fault type (never by message text). Errors carry Intuit's own message and detail, never the
 * AxiosError (its config holds the bearer token).
 */
import {
  AuthError,
  FinsyncError,
  InvalidRequestError,
  RateLimitError,
  TransientError,
} from '../../src/errors.ts';
import { redactText } from '../../src/log.ts';

/** Intuit's guidance after a 429 is to wait 60 s; a Retry-After header, when sent, wins. */
export const THROTTLE_WAIT_MS = 60_000;

export interface IntuitFaultError {
  readonly message: string;
  readonly detail: string;
  readonly code: string;
}

export interface IntuitFault {
  readonly type: string;
  readonly errors: readonly IntuitFaultError[];
}

/** The access token was refused (401, AuthenticationFault, code 3200): refresh once and try again. */
export class QuickBooksTokenRejectedError extends AuthError {}

type Loose = Record<string, unknown>;

/** Intuit spells the envelope both ways: `Fault.Error[].Message` and, on some 401s, `fault.error[].message`. */
function field(object: Loose, name: string): unknown {
  return object[name] ?? object[name.toLowerCase()] ?? object[name[0]!.toUpperCase() + name.slice(1)];
}

const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

export function parseFault(body: unknown): IntuitFault | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fault = field(body as Loose, 'Fault');
  if (typeof fault !== 'object' || fault === null) return undefined;
  const list = field(fault as Loose, 'Error');
  const errors = (Array.isArray(list) ? list : [])
    .filter((e): e is Loose => typeof e === 'object' && e !== null)
    .map((e) => ({
      message: text(field(e, 'Message')),
      detail: text(field(e, 'Detail')),
      code: text(field(e, 'code')),
    }));
  return { type: text(field(fault as Loose, 'type')), errors };
}

export function describeFault(fault: IntuitFault): string {
  const first = fault.errors[0];
  if (!first) return fault.type || 'unknown fault';
  const detail = first.detail && first.detail !== first.message ? `: ${first.detail}` : '';
  return `${first.message}${detail} (${[fault.type, first.code && `code ${first.code}`].filter(Boolean).join(', ')})`;
}

interface AxiosLike {
  readonly isAxiosError: true;
  readonly code?: string;
  readonly response?: { readonly status: number; readonly data: unknown; readonly headers?: unknown };
}

function isAxiosLike(error: unknown): error is AxiosLike {
  return (
    typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
  );
}

function clean(message: string): string {
  return redactText(message.slice(0, 600));
}

function retryAfterMs(headers: unknown): number {
  const value = (headers as Loose | undefined)?.['retry-after'];
  const seconds = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : THROTTLE_WAIT_MS;
}

function byStatus(status: number, reason: string, headers: unknown): Error {
  if (status === 401) return new QuickBooksTokenRejectedError(reason);
  if (status === 403) {
    return new AuthError(
      `${reason} — the app has no access to this company (disconnected, or the subscription lapsed)`,
    );
  }
  if (status === 429) return new RateLimitError(reason, retryAfterMs(headers));
  if (status >= 500 || status === 408 || status === 409) return new TransientError(reason);
  return new InvalidRequestError(reason);
}

const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  authenticationfault: 401,
  authentication: 401,
  authorizationfault: 403,
  throttleexceeded: 429,
  systemfault: 500,
};

/** Maps whatever a node-quickbooks callback reported for `what` (e.g. "query Invoice") to a typed error. */
export function mapQuickBooksError(error: unknown, what: string): Error {
  if (error instanceof FinsyncError) return error;
  if (isAxiosLike(error)) {
    const response = error.response;
    if (!response)
      return new TransientError(`QuickBooks ${what}: network error (${error.code ?? 'no response'})`);
    const fault = parseFault(response.data);
    const reason = clean(`QuickBooks ${what}: ${fault ? describeFault(fault) : `HTTP ${response.status}`}`);
    return byStatus(response.status, reason, response.headers);
  }
  // A 200 answer whose body is a Fault: node-quickbooks passes the body itself as the error.
  const fault = parseFault(error);
  if (fault) {
    const status = STATUS_OF_TYPE[fault.type.toLowerCase()] ?? 400;
    return byStatus(status, clean(`QuickBooks ${what}: ${describeFault(fault)}`), undefined);
  }
  // The SDK threw on an answer it could not read (e.g. no QueryResponse): treat as a garbled, retryable answer.
  const message = error instanceof Error ? error.message : String(error);
  return new TransientError(clean(`QuickBooks ${what}: unreadable answer (${message})`));
}
