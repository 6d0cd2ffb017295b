/**
 * The emulator's Microsoft identity platform: the OAuth 2 client-credentials grant at
 * `POST /<tenant>/oauth2/v2.0/token`, with AADSTS-style errors, and the bearer tokens it issued.
 */
import { randomBytes } from 'node:crypto';
import { EmulatorError, type Reply } from './emulator-wire.ts';

export const POWER_BI_SCOPE = 'https://analysis.windows.net/powerbi/api/.default';

export interface EmulatedApp {
  readonly clientId: string;
  readonly secret: string;
}

interface Issued {
  readonly clientId: string;
  readonly expiresAt: number;
}

/** An error as Microsoft sends it: `error`, `error_description` starting with the AADSTS code, `error_codes`. */
function aadError(status: number, error: string, code: number, description: string): EmulatorError {
  const traceId = randomBytes(16).toString('hex');
  return new EmulatorError(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${traceId} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: traceId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

export class Identity {
  private readonly tokens = new Map<string, Issued>();

  constructor(
    private readonly tenantId: string,
    private readonly apps: readonly EmulatedApp[],
    private readonly now: () => number,
    private readonly lifetimeSeconds: number,
  ) {}

  /** Answers a token request; `tenant` is the path segment, `form` the urlencoded body. */
  token(tenant: string, form: URLSearchParams): Reply {
    if (tenant !== this.tenantId) {
      throw aadError(400, 'invalid_request', 90002, `Tenant '${tenant.slice(0, 60)}' not found.`);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      throw aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.find((a) => a.clientId === clientId);
    if (!app) {
      throw aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId.slice(0, 60)}' was not found in the directory '${tenant}'.`,
      );
    }
    if (form.get('client_secret') !== app.secret) {
      throw aadError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    if (form.get('scope') !== POWER_BI_SCOPE) {
      throw aadError(
        400,
        'invalid_scope',
        70011,
        "The provided value for the input parameter 'scope' is not valid.",
      );
    }
    const accessToken = `emu.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, { clientId, expiresAt: this.now() + this.lifetimeSeconds * 1000 });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: this.lifetimeSeconds,
        ext_expires_in: this.lifetimeSeconds,
        access_token: accessToken,
      },
    };
  }

  /** The client id behind an `Authorization` header; 401 (as Power BI answers) for anything else. */
  authenticate(header: string | undefined): string {
    const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    const issued = token === undefined ? undefined : this.tokens.get(token);
    if (!issued) {
      throw new EmulatorError(401, {
        error: { code: 'InvalidAuthenticationToken', message: 'Access token is missing or invalid' },
      });
    }
    if (issued.expiresAt <= this.now()) {
      throw new EmulatorError(401, {
        error: {
          code: 'TokenExpired',
          message: 'Access token has expired, resubmit with a new access token',
        },
      });
    }
    return issued.clientId;
  }

  /** Forgets every token (a revoked consent, or a clock jump past their lifetime). */
  revokeAll(): void {
    this.tokens.clear();
  }
}
