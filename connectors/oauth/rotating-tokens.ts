/**
 * Keeps one grant's tokens fresh without ever losing the refresh token, for providers whose refresh tokens
 * rotate on use (Intuit, Sage). Shared by their connectors; each supplies how its credentials are read and
 * how one refresh_token grant is asked for.
 *
 * - A refresh happens `refreshEarlyMs` before the access token expires, or when the API rejects it (401).
 * - The new pair is passed to `session.save` and only once that resolves (durable) is the new access token
 *   handed to anyone. If the save fails, the pair is kept in memory and the save is retried before any use.
 * - Concurrent callers in this process share one refresh (single flight); a caller whose token was rejected
 *   after someone else already refreshed gets the newer token without a second refresh. Across processes,
 *   one sync run per connection holds the store's run lease, and `session.save` is a conditional write that
 *   refuses to replace credentials another process stored meanwhile (src/core.ts): two processes never
 *   both keep a rotation of the same grant.
 * - A refresh outside the run lease (`/finsync cash` asking balances) can race another process's refresh of
 *   the same grant: the provider consumes the single-use refresh token once and answers the other
 *   `invalid_grant`, although the winner is saving a new pair. So on `invalid_grant` the stored credentials are
 *   re-read (`session.reload`), a few times over a short grace (the winner's save follows its answer by
 *   milliseconds): if they changed, they are adopted (their access token when still fresh, else one more
 *   refresh with their refresh token, once). Only when the store still holds the refused token after the grace
 *   is `invalid_grant` final.
 * - A final `invalid_grant` (an AuthError from `refresh`) is repeated by this manager without asking the
 *   provider again, so a connection turns "needs reconnect" once and nothing loops.
 */
import { AuthError, InternalError, TransientError } from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import { DEFAULT_RETRY, type RetryOptions, realSleep, withRetries } from '../../src/retry.ts';
import type { ConnectorContext, CredentialSession, Credentials } from '../types.ts';

/** The token fields every rotating grant stores (all strings: Credentials is a string map). */
export interface RotatingTokenFields {
  readonly access_token: string;
  readonly refresh_token: string;
  /** ISO 8601 instants. */
  readonly access_expires_at: string;
  readonly refresh_expires_at: string;
}

/**
 * The rotating pair from a token endpoint's JSON answer. Both tokens are registered as secrets (never logged);
 * lifetimes count from when the request was sent, an early estimate being the safe side. `refreshTtlKey` names
 * the refresh token's lifetime field (Intuit: `x_refresh_token_expires_in`; Sage: `refresh_token_expires_in`).
 * A missing field is a TransientError naming `provider`.
 */
export function rotatingTokenFieldsFrom(
  data: Readonly<Record<string, unknown>>,
  refreshTtlKey: string,
  sentAt: number,
  provider: string,
): RotatingTokenFields {
  const { access_token, refresh_token, expires_in } = data;
  const refreshTtl = data[refreshTtlKey];
  if (
    typeof access_token !== 'string' ||
    typeof refresh_token !== 'string' ||
    typeof expires_in !== 'number' ||
    typeof refreshTtl !== 'number'
  ) {
    throw new TransientError(
      `${provider} answered the token request without access_token/refresh_token/expires_in`,
    );
  }
  registerSecret(access_token);
  registerSecret(refresh_token);
  return {
    access_token,
    refresh_token,
    access_expires_at: new Date(sentAt + expires_in * 1000).toISOString(),
    refresh_expires_at: new Date(sentAt + refreshTtl * 1000).toISOString(),
  };
}

/**
 * When the store is re-read after `invalid_grant` (ms after the refusal): a rotation by another process is
 * normally saved by the time of the first read; the later ones cover a slow store write.
 */
export const RELOAD_GRACE_MS: readonly number[] = [0, 250, 750, 2_000];

export interface RefreshRequest {
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

export interface RotatingTokensOptions {
  readonly credentials: Credentials;
  /** Where rotated credentials are saved; without one a refresh is refused (the new token would be lost). */
  readonly session?: CredentialSession;
  readonly now?: () => number;
  readonly refreshEarlyMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
}

/** What a provider tells the shared machinery about its grant. */
export interface RotatingGrantSpec<C extends RotatingTokenFields, X extends ConnectorContext> {
  /** "QuickBooks", "Sage": in log lines and errors. */
  readonly label: string;
  readonly defaultRefreshEarlyMs: number;
  /** Checks stored credentials at the edge (throws AuthError when unusable). */
  parse(credentials: Credentials): C;
  /** One refresh_token grant; the returned refresh token replaces the presented one. */
  refresh(refreshToken: string, ctx: X, request: RefreshRequest): Promise<RotatingTokenFields>;
  /** Non-secret fields that name the grant in log lines (`{ realmId }`). */
  logFields(credentials: C): Readonly<Record<string, string>>;
}

export class RotatingTokens<C extends RotatingTokenFields, X extends ConnectorContext> {
  private current: C;
  /** A rotated pair the provider gave us that is not durable yet: never used before it is. */
  private unsaved: C | null = null;
  private inflight: Promise<string> | null = null;
  private failure: AuthError | null = null;
  private base: Credentials;
  protected readonly now: () => number;

  constructor(
    private readonly spec: RotatingGrantSpec<C, X>,
    private readonly options: RotatingTokensOptions,
  ) {
    this.base = options.credentials;
    this.current = spec.parse(options.credentials);
    registerSecret(this.current.refresh_token);
    registerSecret(this.current.access_token);
    this.now = options.now ?? Date.now;
  }

  /** The latest durable credentials (what the store holds). */
  get credentials(): Credentials {
    return this.toCredentials(this.current);
  }

  /** The parsed durable credentials. */
  protected get parsed(): C {
    return this.current;
  }

  /** A usable access token, refreshing first when it expires within `refreshEarlyMs`. */
  async accessToken(ctx: X): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.inflight) return this.inflight;
    return this.isFresh() && !this.unsaved ? this.current.access_token : this.refresh(ctx);
  }

  /** Whether the stored access token is usable now without a refresh. */
  isFresh(): boolean {
    const expiresAt = Date.parse(this.current.access_expires_at);
    const early = this.options.refreshEarlyMs ?? this.spec.defaultRefreshEarlyMs;
    return this.current.access_token !== '' && expiresAt - early > this.now();
  }

  /** The API rejected `token` (401): refresh, unless a newer token already replaced it. */
  async rejected(token: string, ctx: X): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.inflight) return this.inflight;
    if (token !== this.current.access_token && !this.unsaved) return this.current.access_token;
    return this.refresh(ctx);
  }

  private refresh(ctx: X): Promise<string> {
    this.inflight ??= this.rotate(ctx).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async rotate(ctx: X): Promise<string> {
    const { session } = this.options;
    const { label } = this.spec;
    if (!session) {
      throw new InternalError(
        `${label} tokens need refreshing but no credential session was given to save the rotated refresh token`,
      );
    }
    if (!this.unsaved) {
      let grant: RotatingTokenFields;
      try {
        grant = await this.grant(this.current.refresh_token, ctx);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        // Refused: another process may have used the single-use token first and stored its rotation.
        if (!(await this.adoptStored(session, ctx))) {
          this.failure = error;
          throw error;
        }
        ctx.log.info(
          `${label} refresh token was rotated by another process; using the stored rotation`,
          this.spec.logFields(this.current),
        );
        if (this.isFresh()) return this.current.access_token;
        try {
          grant = await this.grant(this.current.refresh_token, ctx);
        } catch (again) {
          if (again instanceof AuthError) this.failure = again;
          throw again;
        }
      }
      this.unsaved = { ...this.current, ...grant };
      ctx.log.info(
        `${label} tokens refreshed; saving the rotated refresh token before use`,
        this.spec.logFields(this.current),
      );
    }
    await session.save(this.toCredentials(this.unsaved));
    this.current = this.unsaved;
    this.unsaved = null;
    return this.current.access_token;
  }

  /** One refresh_token grant; transient failures retry with the same token. */
  private async grant(presented: string, ctx: X): Promise<RotatingTokenFields> {
    // A lost answer is the provider's to forgive (Intuit keeps a replaced token for a while; Sage's emulator
    // models a strict server, where it is invalid_grant).
    const grant = await withRetries(
      () =>
        this.spec.refresh(presented, ctx, {
          now: this.now,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        }),
      {
        ...DEFAULT_RETRY,
        ...this.options.retry,
        ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      },
    );
    registerSecret(grant.access_token);
    registerSecret(grant.refresh_token);
    return grant;
  }

  /**
   * After `invalid_grant`: the stored credentials when another process replaced the ones this manager holds
   * (re-read over a short grace), adopted as current; false when the store still holds the refused ones.
   */
  private async adoptStored(session: CredentialSession, ctx: X): Promise<boolean> {
    if (!session.reload) return false;
    const sleep = ctx.sleep ?? realSleep;
    let waited = 0;
    for (const at of RELOAD_GRACE_MS) {
      if (at > waited) await sleep(at - waited, ctx.signal);
      waited = at;
      const stored = await session.reload();
      if (!stored) continue;
      const parsed = this.spec.parse(stored);
      registerSecret(parsed.refresh_token);
      registerSecret(parsed.access_token);
      this.base = stored;
      this.current = parsed;
      return true;
    }
    return false;
  }

  private toCredentials(c: C): Credentials {
    return { ...this.base, ...c };
  }
}
