/** Every connector, keyed by provider id; `satisfies` makes a missing or misnamed provider a type error. */
import { plaidConnector } from './plaid/connector.ts';
import { stripeConnector } from './stripe/connector.ts';
import type { Connector, ProviderId } from './types.ts';

export const CONNECTORS = {
  stripe: stripeConnector,
  plaid: plaidConnector,
} as const satisfies Record<ProviderId, Connector>;

export function connectorFor(provider: string): Connector | undefined {
  return Object.hasOwn(CONNECTORS, provider) ? CONNECTORS[provider as ProviderId] : undefined;
}

export function allConnectors(): readonly Connector[] {
  return Object.values(CONNECTORS);
}
