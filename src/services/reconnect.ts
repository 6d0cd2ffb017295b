/**
 * The reconnect use case: new credentials for a connection whose old ones stopped working, through that
 * connection's own connect flow. A form provider's form comes with its non-secret fields filled in and its
 * secret fields empty; an OAuth provider's consent URL, or a link page in the provider's update mode (Plaid
 * Link for the item's access token), carries a hand-off state that names the connection.
 * The completion (Finsync.reconnect) checks the new credentials reach the same account and replaces the
 * sealed credentials in place: name, history, cursors, schedule and subscriptions stay.
 */
import { connectPaths } from '../../connectors/connect-mode.ts';
import { integrationFor } from '../../connectors/registry.ts';
import { UserInputError } from '../errors.ts';
import type { ConnectPlan, ConnectServiceDeps } from './connect.ts';

export interface ReconnectRequest {
  /** The connection to reconnect. */
  readonly connection: string;
  readonly userId: string;
  readonly viewId?: string | null;
}

/** Admins only (audited refusal); an unknown connection names the ones that exist. */
export async function planReconnect(
  deps: ConnectServiceDeps,
  request: ReconnectRequest,
): Promise<ConnectPlan> {
  const { finsync } = deps;
  await finsync.requireAdmin(request.userId, 'reconnect systems', request.connection);
  const connection = await finsync.getConnection(request.connection);
  const integration = integrationFor(connection.provider);
  if (!integration)
    throw new UserInputError(`finsync no longer knows how to connect ${connection.provider}.`);
  const provider = {
    id: integration.id,
    displayName: integration.displayName,
    description: integration.description,
  };
  const name = connection.name;
  const sameAccount = `Use credentials of the same account (${connection.accountLabel}): finsync keeps its history, cursors, schedule and subscriptions.`;
  const mode = integration.connect;
  switch (mode.kind) {
    case 'form': {
      const stored = finsync.credentialsOf(connection);
      const initial: Record<string, string> = {};
      for (const field of integration.credentialFields)
        if (!field.secret && stored[field.key]) initial[field.key] = stored[field.key]!;
      return {
        kind: 'form',
        provider,
        name,
        reconnecting: name,
        fields: integration.credentialFields,
        initial,
        text: `Reconnect ${integration.displayName} \`${name}\` with new credentials. ${sameAccount} Optional secret fields left empty keep their stored value.`,
      };
    }
    case 'oauth': {
      const state = await startReconnect(deps, request, integration.id, name);
      return {
        kind: 'consent',
        provider,
        name,
        reconnecting: name,
        text: `Reconnect ${integration.displayName} \`${name}\`: ${mode.consentHint}, the same one as before (${connection.accountLabel}).`,
        url: mode.consentUrl(finsync.deps.connectorContext(integration.id).settings, state),
        buttonLabel: mode.signInLabel,
        state,
      };
    }
    case 'link': {
      // The provider's update mode (Plaid Link made for the item's access token): the same item, logged in again.
      if (!mode.updateCompletion)
        throw new UserInputError(
          `${integration.displayName} connections cannot be reconnected from finsync: disconnect ${name} and connect ${integration.id} again.`,
        );
      const state = await startReconnect(deps, request, integration.id, name);
      return {
        kind: 'link',
        provider,
        name,
        reconnecting: name,
        // Nothing to type: the page repairs the stored login.
        fields: [],
        text: `Reconnect ${integration.displayName} \`${name}\` (${connection.accountLabel}): log in again in the page that opens; finsync keeps its history, cursors, schedule and subscriptions.`,
        url: `${deps.publicUrl}${connectPaths(integration.id).linkPage}?state=${state}`,
        buttonLabel: mode.buttonLabel,
        instructions: 'This form updates itself when it is done.',
        state,
      };
    }
  }
}

async function startReconnect(
  deps: ConnectServiceDeps,
  request: ReconnectRequest,
  provider: string,
  name: string,
): Promise<string> {
  const state = await deps.sessions.create({ userId: request.userId, provider, name, purpose: 'reconnect' });
  if (request.viewId) await deps.sessions.setViewId(state, request.viewId);
  return state;
}
