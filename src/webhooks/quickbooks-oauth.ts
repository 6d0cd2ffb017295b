/**
 * GET /oauth/quickbooks/callback: where Intuit sends the person back after consent. The `state` must be one
 * we issued to a Slack user (single use, 15-minute expiry); the code is exchanged at Intuit's token endpoint,
 * the company verified and the connection stored encrypted, then the person is told in Slack. A wrong, reused
 * or expired state, or an error from Intuit, gives a clear page and changes nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exchangeCode, revokeToken } from '../../connectors/quickbooks/oauth.ts';
import type { ProviderSettings } from '../../connectors/registry.ts';
import type { Credentials } from '../../connectors/types.ts';
import { errorMessage, FinsyncError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import { escapeMrkdwn, safe } from '../messages/blocks.ts';
import { htmlHeaders, RESULT_PAGE_CSP, resultHtml } from '../security/html-page.ts';
import type { Finsync } from '../services/finsync.ts';
import type { LinkSessions } from '../services/link-sessions.ts';

export interface OAuthCallbackDeps {
  readonly finsync: Finsync;
  readonly sessions: LinkSessions;
  readonly settings: ProviderSettings;
  readonly log: Logger;
  /** Tells the person in Slack how it ended. */
  readonly notify: (userId: string, text: string) => Promise<void>;
}

export function resultPage(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, htmlHeaders(RESULT_PAGE_CSP));
  res.end(resultHtml(title, text));
}

export function quickbooksCallback(deps: OAuthCallbackDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const state = params.get('state') ?? '';
      const session = deps.sessions.take(state);
      if (session?.provider !== 'quickbooks') {
        resultPage(
          res,
          400,
          'This link has expired',
          'It was already used, is older than 15 minutes, or did not come from finsync. Nothing was changed. Start again from Slack with /finsync connect quickbooks.',
        );
        return;
      }
      const intuitError = params.get('error');
      if (intuitError) {
        // The query string is anyone's to write: escaped for Slack (no <!here>, no disguised links).
        await deps.notify(
          session.userId,
          `:no_entry: QuickBooks did not grant access (${safe(intuitError, 80)}). Nothing was connected.`,
        );
        resultPage(
          res,
          400,
          'QuickBooks was not connected',
          `QuickBooks did not grant access (${intuitError.slice(0, 80)}). Nothing was changed. You can close this window.`,
        );
        return;
      }
      const code = params.get('code');
      const realmId = params.get('realmId');
      if (!code || !realmId) {
        resultPage(
          res,
          400,
          'QuickBooks was not connected',
          'The answer from Intuit had no authorization code or company id. Nothing was changed.',
        );
        return;
      }
      // Before any code becomes tokens: is the person who started this still an admin? Asked of Slack now,
      // not the minute-old cache; a refused person's code is never exchanged, so no token exists to leak.
      if (!(await deps.finsync.deps.roles.isAdmin(session.userId, { fresh: true }))) {
        await deps.finsync.audit({
          actor: session.userId,
          action: 'connect systems',
          connection: session.name,
          outcome: 'refused',
          detail: 'not an admin when Intuit sent the person back',
        });
        await deps.notify(
          session.userId,
          `:lock: QuickBooks was not connected: only finsync admins can connect systems. Admins: ${deps.finsync.deps.roles.describeAdmins()}.`,
        );
        resultPage(
          res,
          403,
          'QuickBooks was not connected',
          'Only finsync admins can connect systems. Nothing was changed.',
        );
        return;
      }
      let credentials: Credentials | undefined;
      try {
        credentials = await exchangeCode({ settings: deps.settings.quickbooks, code, realmId });
        const connection = await deps.finsync.connect({
          provider: 'quickbooks',
          name: session.name,
          input: credentials,
          actor: session.userId,
          fromOAuth: true,
        });
        await deps.notify(
          session.userId,
          `:white_check_mark: Connected QuickBooks as \`${connection.name}\` (${escapeMrkdwn(connection.accountLabel)}). Sync it with \`/finsync sync ${connection.name}\`.`,
        );
        resultPage(
          res,
          200,
          'QuickBooks is connected',
          `${connection.accountLabel} is connected to finsync as "${connection.name}". You can close this window and return to Slack.`,
        );
      } catch (error) {
        const reason =
          error instanceof FinsyncError && error.errorClass !== 'internal'
            ? redactText(error.message)
            : 'finsync could not complete the connection';
        deps.log.warn('QuickBooks OAuth callback failed', { error: redactText(errorMessage(error)) });
        // Tokens were issued but no connection holds them (refused, name taken, company unreadable): revoke
        // the grant rather than leave a live refresh token that nobody will ever use or revoke.
        if (credentials?.['refresh_token']) await revokeUnused(deps, credentials['refresh_token']);
        await deps.notify(session.userId, `:no_entry: QuickBooks was not connected: ${escapeMrkdwn(reason)}`);
        resultPage(
          res,
          502,
          'QuickBooks was not connected',
          `${reason}. Nothing was changed. Start again from Slack with /finsync connect quickbooks.`,
        );
      }
    })();
  };
}

async function revokeUnused(deps: OAuthCallbackDeps, refreshToken: string): Promise<void> {
  try {
    await revokeToken({ settings: deps.settings.quickbooks, token: refreshToken });
    deps.log.info('revoked the QuickBooks grant of a connect that did not complete');
  } catch (error) {
    deps.log.error('could not revoke the QuickBooks grant of a connect that did not complete', {
      error: redactText(errorMessage(error)),
    });
  }
}
