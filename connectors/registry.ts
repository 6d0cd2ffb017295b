/**
 * Every integration, one line each: sources (connectors) and destinations. Each describes itself in
 * `connectors/<id>/provider.ts`; config, secret redaction, webhook routes, the digest's date rule, the sandbox
 * world and the test harness are derived from this list.
 */
import type { ConnectMode } from './connect-mode.ts';
import type { Destination } from './destination.ts';
import { paypalProvider } from './paypal/provider.ts';
import { plaidProvider } from './plaid/provider.ts';
import { powerbiProvider } from './powerbi/provider.ts';
import type { AnyProvider, EmulatorOf, EmulatorOptionsOf, SettingsOf } from './provider.ts';
import { quickbooksProvider } from './quickbooks/provider.ts';
import { sageProvider } from './sage/provider.ts';
import { stripeProvider } from './stripe/provider.ts';
import type { Connector, ConnectorContext, CredentialField, Credentials, VerifyResult } from './types.ts';

const PROVIDERS = [
  stripeProvider,
  plaidProvider,
  quickbooksProvider,
  paypalProvider,
  sageProvider,
  powerbiProvider,
] as const;

type Provider = (typeof PROVIDERS)[number];
export type IntegrationId = Provider['id'];
export type SourceId = Extract<Provider, { readonly kind: 'source' }>['id'];
export type DestinationId = Extract<Provider, { readonly kind: 'destination' }>['id'];
type ProviderOf<Id extends IntegrationId> = Extract<Provider, { readonly id: Id }>;

/** Each provider's typed settings by id, as parsed from the environment (Config.providers). */
export type ProviderSettings = { readonly [Id in IntegrationId]: SettingsOf<ProviderOf<Id>> };
/** Each provider's running emulator by id (the sandbox world's `world.stripe.control`, …). */
export type Emulators = { readonly [Id in IntegrationId]: EmulatorOf<ProviderOf<Id>> };
/** Options for the emulators a world starts, by provider id. */
export type EmulatorOptions = { readonly [Id in IntegrationId]?: EmulatorOptionsOf<ProviderOf<Id>> };

export function allProviders(): readonly AnyProvider[] {
  return PROVIDERS;
}

export function providerFor(id: string): AnyProvider | undefined {
  return PROVIDERS.find((provider) => provider.id === id);
}

/** Sources whose records hold calendar dates stored at 00:00:00.000Z (the digest counts them on that date). */
export function calendarDateProviders(): readonly SourceId[] {
  return PROVIDERS.flatMap((p) => (p.kind === 'source' && p.dates === 'calendar' ? [p.id] : []));
}

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
  const found = providerFor(provider);
  return found?.kind === 'source' ? found.connector : undefined;
}

export function destinationFor(provider: string): Destination | undefined {
  const found = providerFor(provider);
  return found?.kind === 'destination' ? found.destination : undefined;
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
  return PROVIDERS.map((provider) => integrationFor(provider.id)!);
}

/** The ids a person types to connect each integration (`connect <provider>`), in the registry's order. */
export function integrationIds(): readonly IntegrationId[] {
  return PROVIDERS.map((provider) => provider.id);
}

/** "stripe, plaid, quickbooks and powerbi", for messages. */
export function integrationNames(): string {
  const ids = PROVIDERS.map((provider) => provider.id);
  return `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}
