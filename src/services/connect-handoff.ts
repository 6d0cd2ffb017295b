/**
 * The browser hand-offs of the connect use case: a link page served for its state, the page's posted result,
 * and an OAuth provider's redirect back to our callback. Each state is single use and bound to the Slack user
 * who started the connect; a wrong, used or expired one changes nothing. Outcomes are data: the HTTP routes
 * (src/connect/routes.ts) turn them into pages and Slack messages.
 */

import type { OAuthConnect } from '../../connectors/connect-mode.ts';
import { integrationFor } from '../../connectors/registry.ts';
import type { ConnectorContext, Credentials } from '../../connectors/types.ts';
import { errorMessage, FinsyncError } from '../errors.ts';
import { redactText } from '../log.ts';
import type { Connection } from '../store/types.ts';
import type { ConnectServiceDeps } from './connect.ts';
import { type AccountQuestion, accountStep, openHeld } from './connect-choice.ts';
import type { LinkSession } from './link-sessions.ts';

export type LinkPageOutcome =
  | { readonly kind: 'expired' }
  | { readonly kind: 'page'; readonly html: string; readonly csp: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type HandOffOutcome =
  | { readonly kind: 'expired' }
  /** The posted body is not the page's shape (nothing was used up). */
  | { readonly kind: 'invalid' }
  /** The person (or the provider) declined consent; `reason` is the callback's text, anyone's to write. */
  | { readonly kind: 'refused'; readonly session: LinkSession; readonly reason: string }
  | { readonly kind: 'malformed'; readonly session: LinkSession; readonly reason: string }
  /** Consent was given to several accounts: the person chooses one (the tokens wait, sealed, in the session). */
  | AccountQuestion
  /** No longer an admin when the provider sent them back: nothing was exchanged. */
  | { readonly kind: 'forbidden'; readonly session: LinkSession; readonly admins: string }
  /** Connected, or (session.purpose `reconnect`) the existing connection holds the new credentials. */
  | { readonly kind: 'connected'; readonly session: LinkSession; readonly connection: Connection }
  /** `reason` is redacted and fit to show; `internal`: finsync's fault rather than the input's. */
  | {
      readonly kind: 'failed';
      readonly session: LinkSession;
      readonly reason: string;
      readonly internal: boolean;
    };

/** GET of a link page: the page for a live state of this provider (the state stays usable). */
export async function linkPage(
  deps: ConnectServiceDeps,
  provider: string,
  state: string,
  completePath: string,
): Promise<LinkPageOutcome> {
  const mode = integrationFor(provider)?.connect;
  const session = await deps.sessions.peek(state);
  if (mode?.kind !== 'link' || session?.provider !== provider) return { kind: 'expired' };
  try {
    const ctx = deps.finsync.deps.connectorContext(provider);
    // A reconnect repairs the connection's own login (update mode): the page is made from its credentials.
    const update =
      session.purpose === 'reconnect'
        ? deps.finsync.credentialsOf(await deps.finsync.getConnection(session.name))
        : undefined;
    const page = await mode.page(
      {
        state,
        userId: session.userId,
        completePath,
        publicUrl: deps.publicUrl,
        ...(update ? { update } : {}),
      },
      ctx,
    );
    return { kind: 'page', ...page };
  } catch (error) {
    deps.log.warn('could not prepare a link page', { provider, error: redactText(errorMessage(error)) });
    return {
      kind: 'unavailable',
      reason: error instanceof FinsyncError ? redactText(error.message) : 'Try again in a minute.',
    };
  }
}

/** POST of a link page's result: uses the state up and connects with what the page handed over. */
export async function completeLink(
  deps: ConnectServiceDeps,
  provider: string,
  body: unknown,
): Promise<HandOffOutcome> {
  const mode = integrationFor(provider)?.connect;
  if (mode?.kind !== 'link') return { kind: 'expired' };
  const input = mode.completion(body);
  const state = typeof body === 'object' && body !== null ? (body as { state?: unknown }).state : undefined;
  if (!input || typeof state !== 'string') return { kind: 'invalid' };
  const session = await deps.sessions.take(state);
  if (session?.provider !== provider) return { kind: 'expired' };
  if (session.purpose !== 'reconnect') return connectFor(deps, session, input, false);
  // Update mode: what the page posted plus the stored credentials, verified whole.
  if (!mode.updateCompletion) return { kind: 'expired' };
  try {
    const stored = deps.finsync.credentialsOf(await deps.finsync.getConnection(session.name));
    return connectFor(deps, session, mode.updateCompletion(input, stored), true);
  } catch (error) {
    return failed(deps, session, error);
  }
}

/** GET of an OAuth callback: the provider's answer, exchanged for credentials only for a current admin. */
export async function completeCallback(
  deps: ConnectServiceDeps,
  provider: string,
  query: URLSearchParams,
): Promise<HandOffOutcome> {
  const integration = integrationFor(provider);
  const mode = integration?.connect;
  const session = await deps.sessions.take(query.get('state') ?? '');
  if (mode?.kind !== 'oauth' || session?.provider !== provider) return { kind: 'expired' };
  const answer = mode.readCallback(query);
  if (answer.kind !== 'granted') return { ...answer, session };
  // Before any grant becomes tokens: is the person who started this still an admin? Asked of Slack now,
  // not the minute-old cache; a refused person's code is never exchanged, so no token exists to leak.
  const refused = await unlessAdmin(deps, session, `${integration!.displayName} sent the person back`);
  if (refused) return refused;
  const { finsync } = deps;
  const ctx = finsync.deps.connectorContext(provider);
  let credentials: Credentials;
  try {
    credentials = await mode.exchange(answer.grant, ctx);
    if (mode.accounts) {
      const step = await accountStep(deps, session, query.get('state')!, mode.accounts, credentials, ctx);
      if (step.kind === 'choose') return step;
      credentials = step.credentials;
    }
  } catch (error) {
    return failed(deps, session, error);
  }
  return connectOrRevoke(deps, session, credentials, mode, ctx);
}

/**
 * POST of the choice page: the account chosen among those the grant reaches (never a posted id taken on
 * trust: it must be one the session listed, and verify asks the provider again). The session is ended once,
 * by the first submit; a second one finds it gone.
 */
export async function completeChoice(
  deps: ConnectServiceDeps,
  provider: string,
  form: URLSearchParams,
): Promise<HandOffOutcome> {
  const integration = integrationFor(provider);
  const mode = integration?.connect;
  const state = form.get('state') ?? '';
  if (mode?.kind !== 'oauth' || !mode.accounts) return { kind: 'expired' };
  const waiting = await deps.sessions.peek(state);
  if (waiting?.provider !== provider || !waiting.pending) return { kind: 'expired' };
  const { accounts } = mode;
  const offered = openHeld(deps, state, waiting.pending).accounts;
  const choice = offered.find((a) => a.id === form.get('account'));
  if (!choice)
    return {
      kind: 'choose',
      session: waiting,
      state,
      noun: accounts.noun,
      nouns: accounts.nouns,
      accounts: offered,
      problem: `That is not one of the ${accounts.nouns} this sign-in reaches: choose one of these.`,
    };
  const session = await deps.sessions.takePending(state);
  if (!session?.pending) return { kind: 'expired' };
  const held = openHeld(deps, state, session.pending);
  const refused = await unlessAdmin(deps, session, `the ${accounts.noun} was chosen`);
  if (refused) return refused;
  const ctx = deps.finsync.deps.connectorContext(provider);
  return connectOrRevoke(deps, session, accounts.bind(held.credentials, choice), mode, ctx);
}

/** Audited refusal when the person who started the hand-off is no longer an admin (asked of Slack now). */
async function unlessAdmin(
  deps: ConnectServiceDeps,
  session: LinkSession,
  when: string,
): Promise<HandOffOutcome | null> {
  const { finsync } = deps;
  if (await finsync.deps.roles.isAdmin(session.userId, { fresh: true })) return null;
  await finsync.audit({
    actor: session.userId,
    action: 'connect systems',
    connection: session.name,
    outcome: 'refused',
    detail: `not an admin when ${when}`,
  });
  return { kind: 'forbidden', session, admins: finsync.deps.roles.describeAdmins() };
}

async function connectOrRevoke(
  deps: ConnectServiceDeps,
  session: LinkSession,
  credentials: Credentials,
  mode: OAuthConnect,
  ctx: ConnectorContext,
): Promise<HandOffOutcome> {
  const { provider } = session;
  const outcome = await connectFor(deps, session, credentials, true);
  if (outcome.kind === 'failed' && mode.revoke) {
    // Tokens were issued but no connection holds them (refused, name taken, company unreadable): revoke
    // the grant rather than leave a live refresh token that nobody will ever use or revoke.
    await mode.revoke.revoke(credentials, ctx).then(
      () => deps.log.info('revoked the grant of a connect that did not complete', { provider }),
      (error: unknown) =>
        deps.log.error('could not revoke the grant of a connect that did not complete', {
          provider,
          error: redactText(errorMessage(error)),
        }),
    );
  }
  return outcome;
}

async function connectFor(
  deps: ConnectServiceDeps,
  session: LinkSession,
  input: Credentials,
  fromOAuth: boolean,
): Promise<HandOffOutcome> {
  try {
    const connection =
      session.purpose === 'reconnect'
        ? await deps.finsync.reconnect({
            name: session.name,
            input,
            actor: session.userId,
            ...(fromOAuth ? { fromOAuth } : {}),
          })
        : await deps.finsync.connect({
            provider: session.provider,
            name: session.name,
            input,
            actor: session.userId,
            ...(fromOAuth ? { fromOAuth } : {}),
          });
    return { kind: 'connected', session, connection };
  } catch (error) {
    return failed(deps, session, error);
  }
}

function failed(deps: ConnectServiceDeps, session: LinkSession, error: unknown): HandOffOutcome {
  const internal = !(error instanceof FinsyncError) || error.errorClass === 'internal';
  deps.log.warn('a connect hand-off failed', {
    provider: session.provider,
    error: redactText(errorMessage(error)),
  });
  return {
    kind: 'failed',
    session,
    reason: internal ? 'finsync could not complete the connection' : redactText((error as Error).message),
    internal,
  };
}
