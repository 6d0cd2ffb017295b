/**
 * App-only tokens for the Power BI REST API: @azure/msal-node client credentials (tenant, client id, secret).
 *
 * Production: authority `<MS_AUTHORITY_HOST>/<tenant>`, and MSAL does its usual instance and metadata
 * discovery. With MS_TOKEN_URL set (the local emulator), MSAL still gets an https authority, because it
 * refuses http ones, but that authority is never contacted: the host is declared in `knownAuthorities` (no
 * instance discovery) and `authorityMetadata` hands MSAL the endpoints directly, with `token_endpoint` =
 * MS_TOKEN_URL. Nothing in the production path is relaxed to make that work.
 *
 * HTTP goes through a small fetch client so every token request has a timeout (MSAL's own client has none for
 * POSTs) and MSAL's errors are mapped to ours here, with the secret kept out of every message.
 */
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  AuthError as MsalAuthError,
  type NetworkRequestOptions,
  type NetworkResponse,
  ServerError,
} from '@azure/msal-node';
import {
  AuthError,
  ConfigError,
  InvalidRequestError,
  isFinsyncError,
  RateLimitError,
  TransientError,
} from '../../src/errors.ts';
import { registerSecret } from '../../src/log.ts';
import type { PowerBiSettings } from './settings.ts';

export const POWER_BI_SCOPE = 'https://analysis.windows.net/powerbi/api/.default';
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface PowerBiIdentity {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

function httpsOrigin(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('MS_AUTHORITY_HOST', `MS_AUTHORITY_HOST "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:') {
    throw new ConfigError(
      'MS_AUTHORITY_HOST',
      'MS_AUTHORITY_HOST must be https (MSAL refuses http authorities)',
    );
  }
  return url;
}

/** MSAL's configuration for one app registration; pure, so tests can check the production shape. */
export function msalConfiguration(
  identity: PowerBiIdentity,
  settings: PowerBiSettings,
  networkClient?: INetworkModule,
): Configuration {
  const host = httpsOrigin(settings.authorityHost);
  const authority = `${host.origin}/${encodeURIComponent(identity.tenantId)}`;
  const auth: Configuration['auth'] = {
    clientId: identity.clientId,
    clientSecret: identity.clientSecret,
    authority,
  };
  if (settings.tokenUrl !== undefined) {
    // `{tenant}` in MS_TOKEN_URL is replaced, so one emulator URL serves every tenant.
    const tokenEndpoint = settings.tokenUrl.replaceAll('{tenant}', encodeURIComponent(identity.tenantId));
    auth.knownAuthorities = [host.host];
    auth.authorityMetadata = JSON.stringify({
      token_endpoint: tokenEndpoint,
      issuer: `${authority}/v2.0`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
    });
  }
  return networkClient ? { auth, system: { networkClient } } : { auth };
}

/** MSAL's HTTP through fetch, with a timeout and the run's abort signal. */
export class FetchNetworkClient implements INetworkModule {
  constructor(
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number) {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions) {
    return this.send<T>('POST', url, options, undefined);
  }

  private async send<T>(
    method: string,
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout: number | undefined,
  ): Promise<NetworkResponse<T>> {
    const timer = AbortSignal.timeout(timeout ?? this.timeoutMs);
    const signal = this.signal ? AbortSignal.any([timer, this.signal]) : timer;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: options?.headers ?? {},
        body: options?.body ?? null,
        signal,
      });
      text = await response.text();
    } catch (error) {
      const reason = timer.aborted ? 'timed out' : error instanceof Error ? error.message : String(error);
      throw new TransientError(`Microsoft identity platform unreachable: ${reason}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = {
        error: 'invalid_response',
        error_description: `HTTP ${response.status} with a body that is not JSON`,
      };
    }
    // MSAL reads the parsed body as its own response type; checking it is MSAL's job.
    return { status: response.status, headers: Object.fromEntries(response.headers), body: body as T };
  }
}

/** AADSTS description without the trace and correlation ids Microsoft appends. */
function aadMessage(error: MsalAuthError, secret: string): string {
  const text = error.errorMessage || error.message;
  const description = /Description: (.*?)(?: - Correlation ID:| - Trace ID:|$)/s.exec(text)?.[1] ?? text;
  const clean = description.replace(/\s*Trace ID:.*$/s, '').trim();
  return secret.length > 0 ? clean.split(secret).join('[redacted]') : clean;
}

const CREDENTIAL_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_request',
]);

/** MSAL errors to ours by code and status, never by message text. */
export function mapMsalError(error: unknown, secret: string): Error {
  if (isFinsyncError(error)) return error;
  if (!(error instanceof MsalAuthError)) return error instanceof Error ? error : new Error(String(error));
  const reason = aadMessage(error, secret);
  if (error instanceof ServerError) {
    const status = error.status;
    if (status === 429)
      return new RateLimitError(`Microsoft identity platform rate limit: ${reason}`, undefined);
    if (status !== undefined && status >= 500)
      return new TransientError(`Microsoft identity platform: ${reason}`);
    if (error.errorCode === 'invalid_scope')
      return new InvalidRequestError(`Microsoft identity platform: ${reason}`);
    if (CREDENTIAL_ERRORS.has(error.errorCode) || status === 400 || status === 401) {
      return new AuthError(`Microsoft sign-in failed: ${reason}`);
    }
    // Without a status it is MSAL's throttle cache replaying an earlier 429 or 5xx.
    return new TransientError(`Microsoft identity platform: ${reason}`);
  }
  const cause = (error as { cause?: unknown }).cause;
  if (isFinsyncError(cause)) return cause;
  if (/network|timeout|unreachable/i.test(error.errorCode)) {
    return new TransientError(`Microsoft identity platform: ${reason}`);
  }
  if (error.name === 'ClientConfigurationError') {
    return new ConfigError('MS_AUTHORITY_HOST', `Microsoft sign-in is misconfigured: ${reason}`);
  }
  return new AuthError(`Microsoft sign-in failed: ${reason}`);
}

export interface TokenSourceOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Access tokens for one app registration; MSAL caches them and renews them shortly before they expire. */
export class TokenSource {
  private readonly app: ConfidentialClientApplication;

  constructor(
    private readonly identity: PowerBiIdentity,
    settings: PowerBiSettings,
    options: TokenSourceOptions = {},
  ) {
    registerSecret(identity.clientSecret);
    const network = new FetchNetworkClient(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.signal);
    this.app = new ConfidentialClientApplication(msalConfiguration(identity, settings, network));
  }

  /** A bearer token for Power BI; `fresh` skips the cache (after a 401 from the API). */
  async token(fresh = false): Promise<string> {
    try {
      const result = await this.app.acquireTokenByClientCredential({
        scopes: [POWER_BI_SCOPE],
        ...(fresh ? { skipCache: true } : {}),
      });
      if (!result?.accessToken) throw new AuthError('Microsoft sign-in returned no access token');
      registerSecret(result.accessToken);
      return result.accessToken;
    } catch (error) {
      throw mapMsalError(error, this.identity.clientSecret);
    }
  }
}
