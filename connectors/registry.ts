/**
 * Every integration, keyed by provider id: sources (connectors) and destinations. `satisfies` makes a
 * missing or misnamed provider a type error.
 */
import type { ConnectMode } from './connect-mode.ts';
import type { Destination, DestinationId } from './destination.ts';
import { plaidConnector } from './plaid/connector.ts';
import { powerbiDestination } from './powerbi/destination.ts';
import { quickbooksConnector } from './quickbooks/connector.ts';
import { stripeConnector } from './stripe/connector.ts';
import type {
  Connector,
  ConnectorContext,
  CredentialField,
  Credentials,
  ProviderId,
  VerifyResult,
} from './types.ts';

export const CONNECTORS = {
  stripe: stripeConnector,
  plaid: plaidConnector,
  quickbooks: quickbooksConnector,
} as const satisfies Record<ProviderId, Connector>;

export const DESTINATIONS = {
  powerbi: powerbiDestination,
} as const satisfies Record<DestinationId, Destination>;

/** What connecting needs of any integration, source or destination. */
export interface Integration {
  readonly id: string;
  readonly kind: 'source' | 'destination';
  readonly displayName: string;
  readonly description: string;
  readonly credentialFields: readonly CredentialField[];
  readonly connect: ConnectMode;
  verify(input: Credentials, ctx: ConnectorContext): Promise<VerifyResult>;
}

export function connectorFor(provider: string): Connector | undefined {
  return Object.hasOwn(CONNECTORS, provider) ? CONNECTORS[provider as ProviderId] : undefined;
}

export function destinationFor(provider: string): Destination | undefined {
  return Object.hasOwn(DESTINATIONS, provider) ? DESTINATIONS[provider as DestinationId] : undefined;
}

export function integrationFor(provider: string): Integration | undefined {
  const connector = connectorFor(provider);
  if (connector)
    return {
      ...connector,
      verify: connector.verify.bind(connector),
      kind: 'source',
    };
  const destination = destinationFor(provider);
  if (destination)
    return {
      ...destination,
      verify: destination.verify.bind(destination),
      kind: 'destination',
    };
  return undefined;
}

export function allIntegrations(): readonly Integration[] {
  return [...Object.keys(CONNECTORS), ...Object.keys(DESTINATIONS)].map((id) => integrationFor(id)!);
}

/** "stripe, plaid, quickbooks and powerbi", for messages. */
export function integrationNames(): string {
  const ids = [...Object.keys(CONNECTORS), ...Object.keys(DESTINATIONS)];
  return `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}
