/**
 * Connect and disconnect: the use cases behind `/finsync connect`, `disconnect`, the Home tab and the CLI.
 * Credentials are verified with the provider before anything is stored, then sealed with the keyring.
 */
import { type Integration, integrationFor, integrationNames } from '../../connectors/registry.ts';
import type { ConnectorContext, Credentials, VerifyResult } from '../../connectors/types.ts';
import {
  AccountConnectedError,
  ConflictError,
  errorMessage,
  NotFoundError,
  UserInputError,
} from '../errors.ts';
import { redactText, registerCredentialSecrets, registerSecret } from '../log.ts';
import type { Keyring } from '../security/crypto.ts';
import type { Connection, Store } from '../store/types.ts';

/** The field an unknown provider's error belongs to (the picker's select). */
export const PROVIDER_FIELD = 'provider';

export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export interface ConnectionDeps {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly connectorContext: (provider: string) => ConnectorContext;
  readonly now: () => Date;
}

export function requireIntegration(provider: string): Integration {
  const integration = integrationFor(provider);
  if (!integration) {
    throw new UserInputError(
      `finsync cannot connect "${provider.slice(0, 40)}" yet; it connects ${integrationNames()}.`,
      { field: PROVIDER_FIELD },
    );
  }
  return integration;
}

/** The provider id when free, else `<provider>-2`, `-3`, … */
export async function proposeName(store: Store, provider: string): Promise<string> {
  const taken = new Set((await store.listConnections()).map((c) => c.name));
  if (!taken.has(provider)) return provider;
  for (let n = 2; ; n++) if (!taken.has(`${provider}-${n}`)) return `${provider}-${n}`;
}

export async function checkNewName(store: Store, name: string): Promise<string | null> {
  if (!CONNECTION_NAME.test(name))
    return 'Use 1–40 lower-case letters, digits, - or _, starting with a letter or digit.';
  if (await store.getConnection(name)) return `A connection named ${name} already exists; pick another name.`;
  return null;
}

export interface ConnectInput {
  readonly provider: string;
  readonly name: string;
  readonly input: Credentials;
  readonly actor: string;
  /**
   * Credentials that came from an OAuth exchange rather than a person's form: passed to `verify` whole.
   * A form's input is always cut down to the integration's declared fields.
   */
  readonly fromOAuth?: boolean;
}

/** Verifies with the provider, then stores the sealed credentials. Nothing is stored when verification fails. */
export async function connect(deps: ConnectionDeps, request: ConnectInput): Promise<Connection> {
  const connector = requireIntegration(request.provider);
  const nameProblem = await checkNewName(deps.store, request.name);
  if (nameProblem) throw new UserInputError(nameProblem);
  const verified = await verifyInput(deps, connector, request);
  // One account, one connection: a second one would sync every record twice under two names. Asked first for
  // a clear answer; the store enforces it again at the write, where two processes connecting at once meet.
  const holder = await connectionOfAccount(deps.store, connector.id, verified.accountId);
  if (holder) throw alreadyConnected(connector, holder);
  const connection: Connection = {
    name: request.name,
    provider: connector.id,
    accountLabel: verified.accountLabel,
    accountId: verified.accountId ?? null,
    credentials: deps.keyring.seal(JSON.stringify(verified.credentials), `connection:${request.name}`),
    state: 'active',
    stateReason: null,
    schedule: null,
    createdAt: deps.now().toISOString(),
    createdBy: request.actor,
  };
  try {
    await deps.store.createConnection(connection);
  } catch (error) {
    if (error instanceof AccountConnectedError) {
      const taken = await deps.store.getConnection(error.holder);
      throw taken
        ? alreadyConnected(connector, taken)
        : new UserInputError(
            `This ${connector.displayName} account was connected as \`${error.holder}\` a moment ago (and since removed): try again.`,
          );
    }
    if (error instanceof ConflictError)
      throw new UserInputError(`A connection named ${request.name} already exists; pick another name.`);
    throw error;
  }
  return connection;
}

/** The field where a provider's answer about a credential belongs: the first secret field (the key). */
export function credentialField(integration: Integration): string | undefined {
  return (integration.credentialFields.find((f) => f.secret) ?? integration.credentialFields[0])?.key;
}

function alreadyConnected(integration: Integration, holder: Connection): UserInputError {
  const field = credentialField(integration);
  return new UserInputError(
    `This ${integration.displayName} account (${holder.accountLabel}) is already connected as \`${holder.name}\`: use \`/finsync reconnect ${holder.name}\` to give it new credentials.`,
    field ? { field } : {},
  );
}

/** The connection that holds the provider's account `accountId`, if any. */
async function connectionOfAccount(
  store: Store,
  provider: string,
  accountId: string | undefined,
): Promise<Connection | undefined> {
  if (!accountId) return undefined;
  return (await store.listConnections()).find((c) => c.provider === provider && c.accountId === accountId);
}

/** A form's input cut to the declared fields (required ones checked), or OAuth's whole; then the provider's word. */
async function verifyInput(
  deps: ConnectionDeps,
  connector: Integration,
  request: Pick<ConnectInput, 'input' | 'fromOAuth'>,
): Promise<VerifyResult> {
  const input: Record<string, string> = request.fromOAuth ? { ...request.input } : {};
  if (request.fromOAuth) registerCredentialSecrets(request.input);
  for (const field of request.fromOAuth ? [] : connector.credentialFields) {
    const value = request.input[field.key]?.trim() ?? '';
    if (field.secret) registerSecret(value);
    if (value === '' && !field.optional)
      throw new UserInputError(`${field.label} is required.`, { field: field.key });
    if (value !== '') input[field.key] = value;
  }
  const verified = await connector.verify(input, deps.connectorContext(connector.id));
  for (const field of connector.credentialFields)
    if (field.secret) registerSecret(verified.credentials[field.key]);
  registerCredentialSecrets(verified.credentials);
  return verified;
}

export interface ReconnectInput {
  /** The connection to give new credentials. */
  readonly name: string;
  readonly input: Credentials;
  readonly actor: string;
  readonly fromOAuth?: boolean;
}

/**
 * New credentials for an existing connection: verified with the provider, refused unless they reach the
 * same account (both named), then sealed in place of the old ones in one atomic write of the store, so
 * every process's next run reads them. Name, history, cursors, schedule and subscriptions stay as they are.
 * A form's optional secret field left empty keeps its stored value (a webhook secret need not be typed again).
 */
export async function reconnect(deps: ConnectionDeps, request: ReconnectInput): Promise<Connection> {
  const current = await requireConnection(deps.store, request.name);
  const connector = requireIntegration(current.provider);
  let input = request.input;
  if (!request.fromOAuth) {
    const stored = openCredentials(deps.keyring, current);
    const kept: Record<string, string> = { ...request.input };
    for (const field of connector.credentialFields)
      if (field.secret && field.optional && !request.input[field.key]?.trim() && stored[field.key])
        kept[field.key] = stored[field.key]!;
    input = kept;
  }
  const verified = await verifyInput(deps, connector, {
    input,
    ...(request.fromOAuth ? { fromOAuth: true } : {}),
  });
  // A connection stored without an account id (its key could not read the account) has nothing to compare.
  const sameAccount = (accountId: string | null) => accountId === null || accountId === verified.accountId;
  const field =
    credentialField(connector) && !request.fromOAuth ? { field: credentialField(connector)! } : {};
  const refuse = (accountLabel: string) =>
    verified.accountId === undefined
      ? new UserInputError(
          `finsync cannot tell which ${connector.displayName} account these credentials reach (they may not read the account), so it cannot check they are ${accountLabel}'s that \`${current.name}\` syncs: nothing was changed. Use credentials that may read the account.`,
          field,
        )
      : new UserInputError(
          `These credentials reach ${verified.accountLabel}, not ${accountLabel} that \`${current.name}\` syncs: nothing was changed. Use credentials of ${accountLabel}, or connect the other account with \`/finsync connect ${connector.id}\`.`,
          field,
        );
  if (!sameAccount(current.accountId)) throw refuse(current.accountLabel);
  const credentials = deps.keyring.seal(JSON.stringify(verified.credentials), `connection:${current.name}`);
  let otherAccount: string | null = null;
  const updated = await deps.store.modifyConnection(current.name, (now) => {
    // Re-checked on the connection as it is now: another process may have reconnected it meanwhile.
    if (!sameAccount(now.accountId)) {
      otherAccount = now.accountLabel;
      return null;
    }
    return {
      credentials,
      accountLabel: verified.accountLabel,
      accountId: verified.accountId ?? now.accountId,
      state: 'active',
      stateReason: null,
    };
  });
  if (otherAccount !== null) throw refuse(otherAccount);
  return updated;
}

/** Opens a connection's sealed credentials and marks every value secret for the logger. */
export function openCredentials(keyring: Keyring, connection: Connection): Credentials {
  const credentials = JSON.parse(
    keyring.open(connection.credentials, `connection:${connection.name}`),
  ) as Record<string, string>;
  registerCredentialSecrets(credentials);
  return credentials;
}

export async function requireConnection(store: Store, name: string): Promise<Connection> {
  const connection = await store.getConnection(name);
  if (!connection) {
    const names = (await store.listConnections()).map((c) => c.name);
    const known =
      names.length > 0
        ? ` Connections: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}.`
        : ' Nothing is connected yet.';
    throw new NotFoundError(`There is no connection named ${name}.${known}`);
  }
  return connection;
}

/** What became of a connection's grant at the provider when it was disconnected. */
export type Revocation =
  /** The provider declares no revocation: deleting the stored credentials ends finsync's access. */
  | { readonly outcome: 'none' }
  | { readonly outcome: 'revoked'; readonly where: string }
  /** `reason` is redacted: fit for Slack, the CLI and the audit log. */
  | { readonly outcome: 'failed'; readonly where: string; readonly reason: string };

/** A provider that hangs must not hold a disconnect (or the person waiting on it) for long. */
export const REVOKE_TIMEOUT_MS = 10_000;

/** Where a provider revokes its grant on disconnect (`at Intuit`), or null when it declares none. */
export function revocationPlace(provider: string): string | null {
  return integrationFor(provider)?.connect.revoke?.where ?? null;
}

/** Revokes the connection's grant as its provider declares; never throws (a failure is the answer). */
export async function revokeCredentials(
  deps: Pick<ConnectionDeps, 'keyring'> & {
    readonly connectorContext: (provider: string, signal?: AbortSignal) => ConnectorContext;
  },
  connection: Connection,
): Promise<Revocation> {
  const revocation = integrationFor(connection.provider)?.connect.revoke;
  if (!revocation) return { outcome: 'none' };
  try {
    await revocation.revoke(
      openCredentials(deps.keyring, connection),
      deps.connectorContext(connection.provider, AbortSignal.timeout(REVOKE_TIMEOUT_MS)),
    );
    return { outcome: 'revoked', where: revocation.where };
  } catch (error) {
    return {
      outcome: 'failed',
      where: revocation.where,
      reason: redactText(errorMessage(error)).slice(0, 300),
    };
  }
}
