/**
 * How a person connects an integration, declared by the provider in its own folder: a form of credential
 * fields, an OAuth consent page, or a hosted link page (Plaid Link). The connect service
 * (src/services/connect.ts) turns the mode into a plan that Slack, the CLI and the sandbox render; the HTTP
 * routes of the browser hand-offs are derived from it (src/connect/routes.ts), at the paths below.
 */
import type { ConnectorContext, Credentials } from './types.ts';

/** `S`: the provider's own settings (connectors/<id>/settings.ts), the only ones its connect code sees. */
export type ConnectMode<S = unknown> = FormConnect<S> | OAuthConnect<S> | LinkPageConnect<S>;

interface ConnectModeBase<S = unknown> {
  /** How the stored credentials are revoked at the provider on disconnect; absent: deleting them is enough. */
  readonly revoke?: CredentialRevocation<S>;
}

export interface CredentialRevocation<S = unknown> {
  /** Where the grant lives, in words that follow "revoked": "at Intuit". */
  readonly where: string;
  /** Ends the grant the credentials belong to. Throws a typed error (its message is shown, redacted). */
  revoke(credentials: Credentials, ctx: ConnectorContext<S>): Promise<void>;
}

/** The person types the credential fields into a form (Stripe's API key, Power BI's service principal). */
export interface FormConnect<S = unknown> extends ConnectModeBase<S> {
  readonly kind: 'form';
}

export const FORM_CONNECT: FormConnect = { kind: 'form' };

/** What the provider's redirect to our callback says. `reason` is the query's text: anyone's to write. */
export type CallbackAnswer =
  | { readonly kind: 'granted'; readonly grant: Readonly<Record<string, string>> }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string };

/** The person consents on the provider's page, which sends them back to `/oauth/<id>/callback`. */
export interface OAuthConnect<S = unknown> extends ConnectModeBase<S> {
  readonly kind: 'oauth';
  /** The button's label: "Sign in to Intuit". */
  readonly signInLabel: string;
  /** What happens there, after "sign in": "choose the company finsync may read". */
  readonly consentHint: string;
  /** The consent page carrying our single-use `state`. Throws ConfigError when the app's keys are missing. */
  consentUrl(settings: S, state: string): string;
  /** Reads the callback's query (pure): a grant to exchange, a refusal, or an answer missing its parts. */
  readCallback(query: URLSearchParams): CallbackAnswer;
  /** Exchanges a grant for the credentials `verify` accepts whole (an authorization code for tokens). */
  exchange(grant: Readonly<Record<string, string>>, ctx: ConnectorContext<S>): Promise<Credentials>;
  /**
   * Optional: one grant reaches several accounts (Sage: businesses) and a connection is one of them. After
   * the exchange the person is asked which, when there are several (src/services/connect-handoff.ts); a
   * reconnect keeps the connection's own account without asking.
   */
  readonly accounts?: OAuthAccounts<S>;
}

/** One account a grant reaches: its id (the connection's account id once chosen) and its name as shown. */
export interface AccountOption {
  readonly id: string;
  readonly name: string;
}

export interface OAuthAccounts<S = unknown> {
  /** What one account is called in the question, and several: "business", "businesses". */
  readonly noun: string;
  readonly nouns: string;
  /**
   * The accounts the exchanged credentials reach, and the credentials to keep while the person chooses (a
   * refresh needed to ask lands in them: a rotated refresh token must be the one kept).
   */
  list(
    credentials: Credentials,
    ctx: ConnectorContext<S>,
  ): Promise<{ readonly credentials: Credentials; readonly accounts: readonly AccountOption[] }>;
  /** The credentials `verify` checks and binds to `account` (the person's choice, or a reconnect's own). */
  bind(credentials: Credentials, account: AccountOption): Credentials;
}

export interface LinkPageRequest {
  /** The single-use state the page posts back. */
  readonly state: string;
  /** The Slack user who started the connect (the provider's client user id). */
  readonly userId: string;
  /** Where the page posts its result: the completion path (same origin). */
  readonly completePath: string;
  /** FINSYNC_PUBLIC_URL, for what the provider must reach (its webhook). */
  readonly publicUrl: string;
  /**
   * A reconnect: the stored credentials of the connection whose login the page repairs (the provider's
   * update mode). They stay on the server: the page only gets what the provider makes of them.
   */
  readonly update?: Credentials;
}

/** A page of ours runs the provider's widget (Plaid Link) and posts its result to `/<id>/link/complete`. */
export interface LinkPageConnect<S = unknown> extends ConnectModeBase<S> {
  readonly kind: 'link';
  /** The button's label: "Open Plaid Link". */
  readonly buttonLabel: string;
  /** One line under the button: what the person does in the page. */
  readonly instructions: string;
  /** The page for one session, with its Content-Security-Policy. Throws typed errors (provider unreachable). */
  page(
    request: LinkPageRequest,
    ctx: ConnectorContext<S>,
  ): Promise<{ readonly html: string; readonly csp: string }>;
  /** The page's posted JSON → the credential fields to verify, or null when it is not the page's shape. */
  completion(body: unknown): Credentials | null;
  /**
   * A reconnect's completion (update mode): the credentials to verify, from what the page posted and the
   * connection's stored ones (Plaid keeps the item's access token). Absent: the provider cannot reconnect.
   */
  updateCompletion?(posted: Credentials, stored: Credentials): Credentials;
  /** What the page would post, made in the provider's own sandbox: how the sandbox and tests stand in for a browser. */
  sandboxCompletion?(ctx: ConnectorContext<S>): Promise<Credentials>;
}

/** The HTTP paths of an integration's browser hand-offs; config's OAuth redirect URI uses the same callback. */
export function connectPaths(id: string): {
  readonly callback: string;
  /** Where the choice page after consent posts the chosen account (OAuth modes with `accounts`). */
  readonly choose: string;
  readonly linkPage: string;
  readonly linkComplete: string;
} {
  return {
    callback: `/oauth/${id}/callback`,
    choose: `/oauth/${id}/choose`,
    linkPage: `/${id}/link`,
    linkComplete: `/${id}/link/complete`,
  };
}
