/**
 * How a Sage business connects: Sage's OAuth consent (oauth.ts does the HTTP). The callback's code is exchanged
 * for the user's tokens, which `verify` then checks whole and binds to one business. Sage's consent answers no
 * business (its tokens reach every business of the user), so the callback carries only the code.
 */
import type { CallbackAnswer, OAuthConnect } from '../connect-mode.ts';
import { authorizeUrl, exchangeCode } from './oauth.ts';
import type { SageAppSettings } from './settings.ts';

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
  exchange: async (grant, ctx) => ({
    ...(await exchangeCode(ctx.settings, grant['code'] ?? '', {
      now: Date.now,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })),
  }),
};
