/**
 * Building blocks of the QuickBooks emulator's answers: Intuit's timestamp style, amounts as JSON numbers,
 * and the `Fault` envelope, in the shapes of the samples in ../shared/specs/quickbooks.
 */
import { minorToDecimal } from '../../src/money.ts';

/** An HTTP answer before it is written. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Thrown inside a route to answer with `reply`. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`emulator reply ${reply.status}`);
  }
}

/**
 * Intuit writes times in the company's local offset ("2015-09-10T12:44:57-07:00"); the emulator uses a fixed
 * Pacific offset so that clients must parse offsets rather than assume UTC.
 */
const OFFSET_MS = -7 * 3_600_000;

export function intuitTime(ms: number, withMillis = false): string {
  const local = new Date(ms + OFFSET_MS).toISOString();
  return `${withMillis ? local.slice(0, 23) : local.slice(0, 19)}-07:00`;
}

/** The company-local calendar date of an instant (TxnDate, DueDate). */
export function intuitDate(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

/** Intuit sends amounts as JSON numbers; Number("0.3") is the double whose shortest text is exactly "0.3". */
export function wireAmount(minor: number, currency: string): number {
  return Number(minorToDecimal(minor, currency));
}

export const CURRENCY_NAMES: Readonly<Record<string, string>> = {
  USD: 'United States Dollar',
  EUR: 'Euro',
  GBP: 'British Pound Sterling',
  JPY: 'Japanese Yen',
  KWD: 'Kuwaiti Dinar',
  CAD: 'Canadian Dollar',
};

export function currencyRef(code: string): { value: string; name: string } {
  return { value: code, name: CURRENCY_NAMES[code] ?? code };
}

export interface FaultError {
  readonly Message: string;
  readonly Detail?: string;
  readonly code: string;
  readonly element?: string;
}

/** The v3 API's error envelope: `{"Fault":{"Error":[{Message, Detail, code}],"type":…},"time":…}`. */
export function fault(status: number, type: string, error: FaultError, nowMs: number): Reply {
  return { status, body: { Fault: { Error: [error], type }, time: intuitTime(nowMs, true) } };
}

export function validationFault(message: string, detail: string, code: string, nowMs: number): Reply {
  return fault(400, 'ValidationFault', { Message: message, Detail: detail, code }, nowMs);
}

/** What Intuit answers for an expired or unknown access token (errorCode 003200). */
export function authenticationFault(detail: string, nowMs: number): Reply {
  return fault(
    401,
    'AuthenticationFault',
    {
      Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
      Detail: detail,
      code: '3200',
    },
    nowMs,
  );
}

export function authorizationFault(nowMs: number): Reply {
  return fault(
    403,
    'AuthorizationFault',
    {
      Message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
      Detail: 'The access token does not grant access to this company.',
      code: '3100',
    },
    nowMs,
  );
}

export function throttleFault(nowMs: number, detail = 'The request limit was reached.'): Reply {
  return fault(
    429,
    'ThrottleExceeded',
    { Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429', Detail: detail, code: '3001' },
    nowMs,
  );
}

export function systemFault(nowMs: number): Reply {
  return fault(
    500,
    'SystemFault',
    {
      Message: 'An application error has occurred while processing your request',
      Detail: 'System Failure Error: An unexpected error occurred while accessing or saving your data.',
      code: '10000',
    },
    nowMs,
  );
}

/** A deterministic 32-bit mix of (seed, index, salt): the same realm always gets the same data. */
export function hash(seed: number, index: number, salt: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
