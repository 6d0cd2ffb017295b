/**
 * Typed errors, classified by what the caller should do about them (stripe-node style):
 * code reacts to the class, never to the message text.
 */
export type ErrorClass =
  | 'auth' // credentials rejected or permission missing: do not retry, ask for a reconnect
  | 'rate_limited' // provider asked us to slow down: wait, then continue
  | 'transient' // network, 5xx, 409, timeouts: retry with backoff
  | 'invalid_data' // one provider object could not be understood: skip it, run ends "partial"
  | 'invalid_request' // we asked for something the provider refuses: a bug or a bad setting
  | 'config' // a setting is missing or invalid
  | 'user_input' // a person typed something we cannot act on
  | 'not_found'
  | 'forbidden' // the person may read but not change this
  | 'conflict' // e.g. a run already active for this connection
  | 'storage' // the store is unreadable or corrupt
  | 'internal';

export abstract class FinsyncError extends Error {
  abstract readonly errorClass: ErrorClass;
  /** Safe to retry the same operation later without changing anything. */
  get retryable(): boolean {
    return this.errorClass === 'rate_limited' || this.errorClass === 'transient';
  }
}

export class AuthError extends FinsyncError {
  readonly errorClass = 'auth';
}

export class RateLimitError extends FinsyncError {
  readonly errorClass = 'rate_limited';
  constructor(
    message: string,
    /** How long the provider asked us to wait, when it said so. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

export class TransientError extends FinsyncError {
  readonly errorClass = 'transient';
}

export class InvalidDataError extends FinsyncError {
  readonly errorClass = 'invalid_data';
  constructor(
    message: string,
    readonly objectId: string | undefined,
  ) {
    super(message);
  }
}

export class InvalidRequestError extends FinsyncError {
  readonly errorClass = 'invalid_request';
}

export class ConfigError extends FinsyncError {
  readonly errorClass = 'config';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every problem found in the settings at once (start-up reports them all, one line each, instead of making
 * the operator fix them one run at a time). Its message holds one line per problem.
 */
export class ConfigErrors extends ConfigError {
  constructor(readonly problems: readonly ConfigError[]) {
    super(problems[0]?.setting ?? '', problems.map((problem) => problem.message).join('\n'));
  }
}

export class UserInputError extends FinsyncError {
  readonly errorClass = 'user_input';
  /** The credential field (its key) the message is about, so a form shows it under that field. */
  readonly field: string | undefined;
  constructor(message: string, options: { readonly field?: string } = {}) {
    super(message);
    this.field = options.field;
  }
}

export class NotFoundError extends FinsyncError {
  readonly errorClass = 'not_found';
}

export class ForbiddenError extends FinsyncError {
  readonly errorClass = 'forbidden';
}

export class ConflictError extends FinsyncError {
  readonly errorClass = 'conflict';
}

/**
 * The provider account is already held by another connection (one account, one connection: a second one would
 * sync every record twice under two names). Raised by the store, so two processes connecting the same account
 * at once cannot both succeed.
 */
export class AccountConnectedError extends ConflictError {
  constructor(
    /** The connection that holds the account. */
    readonly holder: string,
    message = `this account is already connected as ${holder}`,
  ) {
    super(message);
  }
}

/** Another run of the connection holds its lease, in this process or another one sharing the store. */
export class RunConflictError extends ConflictError {
  constructor(
    readonly connection: string,
    /** When the running run started (ISO 8601). */
    readonly since: string,
    /** How it was started, in words: "from Slack by U123, app pid 4242 on host-a". */
    readonly startedBy: string,
  ) {
    super(`${connection} is already running since ${since} (started ${startedBy})`);
  }
}

/** A run tried to write after its lease lapsed and another process took the connection over. */
export class LeaseLostError extends ConflictError {}

export class StorageError extends FinsyncError {
  readonly errorClass = 'storage';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

export class InternalError extends FinsyncError {
  readonly errorClass = 'internal';
}

export function isFinsyncError(error: unknown): error is FinsyncError {
  return error instanceof FinsyncError;
}

/** The class of any thrown value; unknown errors are treated as transient only when they look like network failures. */
export function classify(error: unknown): ErrorClass {
  if (error instanceof FinsyncError) return error.errorClass;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'transient';
  return 'internal';
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
