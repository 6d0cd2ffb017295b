/**
 * How a QuickBooks company connects: Intuit's OAuth consent (oauth.ts does the HTTP). The callback's code is
 * exchanged for the company's tokens, which `verify` then checks whole; on disconnect the grant is revoked at
 * Intuit, so no refresh token outlives the connection.
 */
import { AuthError } from '../../src/errors.ts';
import type { CallbackAnswer, OAuthConnect } from '../connect-mode.ts';
import { authorizeUrl, exchangeCode, revokeToken } from './oauth.ts';
import type { QuickBooksAppSettings } from './settings.ts';

function readCallback(query: URLSearchParams): CallbackAnswer {
  const refused = query.get('error');
  if (refused) return { kind: 'refused', reason: refused };
  const code = query.get('code');
  const realmId = query.get('realmId');
  if (!code || !realmId)
    return { kind: 'malformed', reason: 'The answer from Intuit had no authorization code or company id.' };
  return { kind: 'granted', grant: { code, realmId } };
}

export const quickbooksConnect: OAuthConnect<QuickBooksAppSettings> = {
  kind: 'oauth',
  signInLabel: 'Sign in to Intuit',
  consentHint: 'choose the company finsync may read',
  consentUrl: (settings, state) => authorizeUrl({ settings, state }),
  readCallback,
  exchange: (grant, ctx) =>
    exchangeCode({
      settings: ctx.settings,
      code: grant['code'] ?? '',
      realmId: grant['realmId'] ?? '',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    }),
  revoke: {
    where: 'at Intuit',
    // Intuit revokes the whole grant from either token; the refresh token is the one that would outlive us.
    revoke: async (credentials, ctx) => {
      const token = credentials['refresh_token'] ?? credentials['access_token'];
      if (!token) throw new AuthError('the stored credentials hold no token to revoke');
      await revokeToken({ settings: ctx.settings, token, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    },
  },
};
