/**
 * Plaid Link's server side: a link token for the page, and a sandbox public token that stands in for Link in
 * the sandbox and the tests. They run outside a sync (no run log, no cancellation).
 */
import type { CountryCode, Products } from 'plaid';
import { silentLogger } from '../../src/log.ts';
import { createPlaidClient } from './client.ts';
import type { PlaidContext, PlaidSettings } from './settings.ts';

/** Context for the helpers below. */
function helperContext(settings: PlaidSettings): PlaidContext {
  return { settings, log: silentLogger() };
}

/**
 * A public token for a sandbox institution, standing in for Plaid Link in the sandbox and the tests.
 * ins_109508 is Plaid's "First Platypus Bank".
 */
export async function createSandboxPublicToken(
  settings: PlaidSettings,
  institutionId = 'ins_109508',
): Promise<string> {
  const client = createPlaidClient(settings);
  const created = await client.call(
    '/sandbox/public_token/create',
    (api, opts) =>
      api.sandboxPublicTokenCreate(
        { institution_id: institutionId, initial_products: ['transactions' as Products] },
        opts,
      ),
    helperContext(settings),
  );
  return created.public_token;
}

export interface LinkTokenRequest {
  /** A stable, non-identifying id of the person linking (e.g. the Slack user id). */
  readonly clientUserId: string;
  readonly clientName?: string;
  /** Where Plaid sends SYNC_UPDATES_AVAILABLE for the new item. */
  readonly webhook?: string;
  /** Update mode: the item's access token (Link logs its user in again; no new item, no products). */
  readonly accessToken?: string;
}

/** A Link token for the Plaid Link page (link-page.ts). */
export async function createPlaidLinkToken(
  settings: PlaidSettings,
  request: LinkTokenRequest,
): Promise<{ readonly linkToken: string; readonly expiration: string }> {
  const client = createPlaidClient(settings);
  const created = await client.call(
    '/link/token/create',
    (api, opts) =>
      api.linkTokenCreate(
        {
          client_name: request.clientName ?? 'finsync',
          language: 'en',
          country_codes: ['US' as CountryCode],
          user: { client_user_id: request.clientUserId },
          ...(request.accessToken
            ? { access_token: request.accessToken }
            : { products: ['transactions' as Products] }),
          ...(request.webhook ? { webhook: request.webhook } : {}),
        },
        opts,
      ),
    helperContext(settings),
    request.accessToken ? [request.accessToken] : [],
  );
  return { linkToken: created.link_token, expiration: created.expiration };
}
