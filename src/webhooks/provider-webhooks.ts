/** The three provider webhook routes (POST /webhooks/<provider>), built over the core's services. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectorContext, ProviderSettings } from '../../connectors/types.ts';
import type { Logger } from '../log.ts';
import type { Finsync } from '../services/finsync.ts';
import type { Store } from '../store/types.ts';
import { plaidWebhook } from './plaid.ts';
import { PlaidKeyCache, sdkKeyFetch } from './plaid-keys.ts';
import { quickbooksWebhook } from './quickbooks.ts';
import { stripeWebhook } from './stripe.ts';
import type { WebhookDeps } from './webhook-http.ts';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface ProviderWebhookOptions {
  readonly log: Logger;
  readonly store: Store;
  readonly finsync: Finsync;
  readonly settings: ProviderSettings;
  readonly connectorContext: () => ConnectorContext;
}

export function providerWebhooks(
  options: ProviderWebhookOptions,
): Readonly<Record<'stripe' | 'plaid' | 'quickbooks', Route>> {
  const deps: WebhookDeps = {
    log: options.log,
    connections: () => options.store.listConnections(),
    credentialsOf: (connection) => options.finsync.credentialsOf(connection),
    syncOnWebhook: (connection, streams) => options.finsync.syncOnWebhook(connection, streams),
    replays: options.store.replays,
  };
  return {
    stripe: stripeWebhook(deps),
    plaid: plaidWebhook({
      ...deps,
      keys: new PlaidKeyCache(sdkKeyFetch(options.settings, options.connectorContext)),
    }),
    quickbooks: quickbooksWebhook({ ...deps, verifierToken: options.settings.quickbooks?.webhookVerifier }),
  };
}
