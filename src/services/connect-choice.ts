/**
 * The choice after consent, for OAuth grants that reach several accounts (a Sage user's businesses): which one
 * the new connection syncs. The person answers on a page of ours in the browser they consented in; meanwhile
 * the exchanged tokens wait in the hand-off's own stored session, sealed by the app's keyring (as stored
 * credentials are) with the state as associated data, so they expire with the state, are ended once (any
 * process), and never reach the page. Nothing uses them while the person chooses: the refresh token verify
 * then uses is the one kept (a refresh while listing the accounts is kept in its place).
 */
import type { AccountOption, OAuthAccounts } from '../../connectors/connect-mode.ts';
import type { ConnectorContext, Credentials } from '../../connectors/types.ts';
import { registerCredentialSecrets } from '../log.ts';
import type { SealedSecret } from '../security/crypto.ts';
import type { ConnectServiceDeps } from './connect.ts';
import type { LinkSession } from './link-sessions.ts';

/** What the person is asked: the accounts their grant reaches (ids and names only, never tokens). */
export interface AccountQuestion {
  readonly kind: 'choose';
  readonly session: LinkSession;
  readonly state: string;
  readonly noun: string;
  readonly nouns: string;
  readonly accounts: readonly AccountOption[];
  /** Why the last answer was not taken (a posted id the grant does not reach). */
  readonly problem?: string;
}

interface Held {
  readonly credentials: Credentials;
  readonly accounts: readonly AccountOption[];
}

const sealContext = (state: string) => `link-session:${state}`;

/**
 * After the exchange: the credentials to verify now (a reconnect's own account, or the only one), or the
 * question, with the credentials held in the session until it is answered.
 */
export async function accountStep(
  deps: ConnectServiceDeps,
  session: LinkSession,
  state: string,
  accounts: OAuthAccounts,
  credentials: Credentials,
  ctx: ConnectorContext,
): Promise<{ readonly kind: 'verify'; readonly credentials: Credentials } | AccountQuestion> {
  const { finsync } = deps;
  if (session.purpose === 'reconnect') {
    // The connection's own account: no question; verify refuses a grant that cannot reach it, naming both.
    const connection = await finsync.getConnection(session.name);
    if (connection.accountId === null) return { kind: 'verify', credentials };
    return {
      kind: 'verify',
      credentials: accounts.bind(credentials, { id: connection.accountId, name: connection.accountLabel }),
    };
  }
  const listed = await accounts.list(credentials, ctx);
  const [only, ...more] = listed.accounts;
  if (!only) return { kind: 'verify', credentials: listed.credentials };
  if (more.length === 0) return { kind: 'verify', credentials: accounts.bind(listed.credentials, only) };
  const held: Held = { credentials: listed.credentials, accounts: listed.accounts };
  const sealed = finsync.deps.keyring.seal(JSON.stringify(held), sealContext(state));
  await deps.sessions.hold(state, session, JSON.stringify(sealed));
  return {
    kind: 'choose',
    session,
    state,
    noun: accounts.noun,
    nouns: accounts.nouns,
    accounts: listed.accounts,
  };
}

/** The held credentials and accounts of a session waiting for the choice. */
export function openHeld(deps: ConnectServiceDeps, state: string, pending: string): Held {
  const held = JSON.parse(
    deps.finsync.deps.keyring.open(JSON.parse(pending) as SealedSecret, sealContext(state)),
  ) as Held;
  registerCredentialSecrets(held.credentials);
  return held;
}
