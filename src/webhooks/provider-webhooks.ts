/**
 * The provider webhook routes (POST /webhooks/<id>), one for each registered provider that declares a
 * webhook, built over the core's services. Each provider's handler gets its own settings only.
 */
import type { WebhookHandler } from '../../connectors/provider.ts';
import { allProviders } from '../../connectors/registry.ts';
import type { ConnectorContext } from '../../connectors/types.ts';
import type { Logger } from '../log.ts';
import type { Finsync } from '../services/finsync.ts';
import type { Store } from '../store/types.ts';
import type { WebhookDeps } from './webhook-http.ts';

export interface ProviderWebhookOptions {
  readonly log: Logger;
  readonly store: Store;
  readonly finsync: Finsync;
  /** The provider's own settings (src/config.ts settingsOfProvider). */
  readonly settingsOf: (provider: string) => unknown;
  readonly connectorContext: (provider: string) => ConnectorContext;
  /** Stripe Checkout events of finsync's payment links (PaymentRequests.onCheckoutEvent). */
  readonly onStripeCheckout?: WebhookDeps['onStripeCheckout'];
}

/** The ids of the providers served at /webhooks/<id>. */
export function webhookProviders(): readonly string[] {
  return allProviders().flatMap((provider) => (provider.webhook ? [provider.id] : []));
}

export function providerWebhooks(options: ProviderWebhookOptions): ReadonlyMap<string, WebhookHandler> {
  const deps: WebhookDeps = {
    log: options.log,
    connections: () => options.store.listConnections(),
    credentialsOf: (connection) => options.finsync.credentialsOf(connection),
    syncOnWebhook: (connection, streams) => options.finsync.syncOnWebhook(connection, streams),
    replays: options.store.replays,
    ...(options.onStripeCheckout ? { onStripeCheckout: options.onStripeCheckout } : {}),
  };
  const routes = new Map<string, WebhookHandler>();
  for (const provider of allProviders()) {
    if (!provider.webhook) continue;
    routes.set(
      provider.id,
      provider.webhook.route({
        ...deps,
        settings: options.settingsOf(provider.id),
        connectorContext: () => options.connectorContext(provider.id),
      }),
    );
  }
  return routes;
}
