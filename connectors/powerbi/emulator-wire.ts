/** Wire helpers shared by the Power BI emulator's modules: replies, Power BI's error envelope, body parsing. */

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer other than 2xx, thrown by route handlers and turned into a reply by the server. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`emulator error ${status}`);
  }
}

/** Power BI's error envelope: `{ error: { code, message } }`. */
export function apiError(status: number, code: string, message: string, headers?: Record<string, string>) {
  return new EmulatorError(status, { error: { code, message } }, headers);
}

export function tooManyRequests(message: string, retryAfterMs: number): EmulatorError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return apiError(429, 'TooManyRequests', message, { 'Retry-After': String(seconds) });
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, 'InvalidRequest', 'The request body is not valid JSON');
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
