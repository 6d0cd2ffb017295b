/**
 * How a bank connects: Plaid Link, run in our own page (link-page.ts). The page gets a link token for the
 * person, Link hands it a one-time public token, and the page posts that back; `verify` exchanges it for the
 * stored access token. The public token may also be pasted into the form.
 */
import type { LinkPageConnect } from '../connect-mode.ts';
import type { Credentials } from '../types.ts';
import { plaidLinkPageCsp, renderPlaidLinkPage } from './link-page.ts';
import { createPlaidLinkToken, createSandboxPublicToken } from './link-tokens.ts';
import type { PlaidSettings } from './settings.ts';

/** The page posts `{ public_token, state }`; only the token is a credential. */
function completion(body: unknown): Credentials | null {
  if (typeof body !== 'object' || body === null) return null;
  const token = (body as { public_token?: unknown }).public_token;
  return typeof token === 'string' && token !== '' ? { public_token: token } : null;
}

export const plaidConnect: LinkPageConnect<PlaidSettings> = {
  kind: 'link',
  buttonLabel: 'Open Plaid Link',
  instructions:
    'Log in to your bank in the page that opens; this form updates itself when it is done. Or paste a public token below.',
  async page(request, ctx) {
    // Items linked here send SYNC_UPDATES_AVAILABLE to our webhook, so new transactions arrive in real time.
    // A reconnect opens Link in update mode for the connection's item: its user logs in again, same item.
    const accessToken = request.update?.['access_token'];
    const { linkToken } = await createPlaidLinkToken(ctx.settings, {
      clientUserId: request.userId,
      clientName: 'finsync',
      webhook: `${request.publicUrl}/webhooks/plaid`,
      ...(accessToken ? { accessToken } : {}),
    });
    return {
      html: renderPlaidLinkPage({ linkToken, postUrl: request.completePath, state: request.state }),
      csp: plaidLinkPageCsp(ctx.settings.baseUrl),
    };
  },
  completion,
  // Update mode's public token need not be exchanged (Plaid): the item's access token stays valid, and is
  // verified again (/item/get says whether the login is repaired).
  updateCompletion: (_posted, stored) => ({ access_token: stored['access_token'] ?? '' }),
  sandboxCompletion: async (ctx) => ({ public_token: await createSandboxPublicToken(ctx.settings) }),
};
