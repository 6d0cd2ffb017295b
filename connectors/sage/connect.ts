/**
 * How a Sage business connects: Sage's OAuth consent (oauth.ts does the HTTP). The callback's code is exchanged
 * for the user's tokens. Sage's consent answers no business (its tokens reach every business of the user), so
 * the businesses are listed with the fresh access token (`GET /businesses`, no X-Business) and the person
 * chooses when there are several; `verify` then checks the grant reaches the chosen one and binds to it. On
 * disconnect (or a connect that did not complete) the refresh token is revoked at Sage.
 */

import { AuthError } from '../../src/errors.ts';
import type { CallbackAnswer, OAuthAccounts, OAuthConnect } from '../connect-mode.ts';
import type { Credentials } from '../types.ts';
import { listBusinesses } from './business.ts';
import { SageClient } from './client.ts';
import { authorizeUrl, exchangeCode, revokeRefreshToken } from './oauth.ts';
import type { SageAppSettings } from './settings.ts';
import { SageTokens } from './tokens.ts';

const businesses: OAuthAccounts<SageAppSettings> = {
  noun: 'business',
  nouns: 'businesses',
  list: async (credentials, ctx) => {
    // The access token is minutes old: no refresh is expected, but one that happens is kept, not lost.
    let latest: Credentials = credentials;
    const tokens = new SageTokens({
      credentials,
      session: {
        save: async (next) => {
          latest = next;
        },
      },
    });
    const accounts = await listBusinesses(new SageClient(tokens, null, ctx));
    return { credentials: latest, accounts };
  },
  bind: (credentials, business) => ({
    ...credentials,
    business_id: business.id,
    business_name: business.name,
  }),
};

function readCallback(query: URLSearchParams): CallbackAnswer {
  const refused = query.get('error');
  if (refused) return { kind: 'refused', reason: query.get('error_description') ?? refused };
  const code = query.get('code');
  if (!code) return { kind: 'malformed', reason: 'The answer from Sage had no authorization code.' };
  return { kind: 'granted', grant: { code } };
}

export const sageConnect: OAuthConnect<SageAppSettings> = {
  kind: 'oauth',
  signInLabel: 'Sign in to Sage',
  consentHint: 'sign in with a Sage Accounting user of the business and allow read-only access',
  consentUrl: (settings, state) => authorizeUrl(settings, state),
  readCallback,
  accounts: businesses,
  exchange: async (grant, ctx) => ({
    ...(await exchangeCode(ctx.settings, grant['code'] ?? '', {
      now: Date.now,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })),
  }),
  revoke: {
    where: 'at Sage',
    // Sage revokes refresh tokens only; the stored one is the latest of the rotation (tokens.ts saves each).
    revoke: async (credentials, ctx) => {
      const token = credentials['refresh_token'];
      if (!token) throw new AuthError('the stored credentials hold no refresh token to revoke');
      await revokeRefreshToken(ctx.settings, token, ctx.signal);
    },
  },
};
