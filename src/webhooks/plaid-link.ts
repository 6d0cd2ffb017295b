/**
 * The Plaid Link hand-off: GET /plaid/link?state=… serves the page that runs Link, and
 * POST /plaid/link/complete receives the public token, completes the connection for the Slack user who
 * started it (single-use state), and updates their connect modal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPlaidLinkToken } from '../../connectors/plaid/connector.ts';
import { plaidLinkPageCsp, renderPlaidLinkPage } from '../../connectors/plaid/link-page.ts';
import type { ProviderSettings } from '../../connectors/registry.ts';
import { errorMessage, FinsyncError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import { escapeMrkdwn } from '../messages/blocks.ts';
import { htmlHeaders, RESULT_PAGE_CSP, resultHtml } from '../security/html-page.ts';
import type { Finsync } from '../services/finsync.ts';
import type { LinkSessions } from '../services/link-sessions.ts';

export interface PlaidLinkDeps {
  readonly finsync: Finsync;
  /** FINSYNC_PUBLIC_URL: where Plaid sends webhooks for the items linked here. */
  readonly publicUrl: string;
  readonly sessions: LinkSessions;
  readonly settings: ProviderSettings;
  readonly log: Logger;
  /** Tells the person in Slack how it ended (updates their connect modal). */
  readonly notify: (viewId: string | null, userId: string, text: string) => Promise<void>;
}

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendPage(res: ServerResponse, status: number, csp: string, html: string): void {
  res.writeHead(status, htmlHeaders(csp));
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function plaidLinkPage(deps: PlaidLinkDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const state = new URL(req.url ?? '/', 'http://localhost').searchParams.get('state') ?? '';
    const session = deps.sessions.peek(state);
    if (!session) {
      sendPage(
        res,
        400,
        RESULT_PAGE_CSP,
        resultHtml('This link has expired', 'Start again from Slack with /finsync connect plaid.'),
      );
      return;
    }
    // Items linked here send SYNC_UPDATES_AVAILABLE to our webhook, so new transactions arrive in real time.
    createPlaidLinkToken(deps.settings.plaid, {
      clientUserId: session.userId,
      clientName: 'finsync',
      webhook: `${deps.publicUrl}/webhooks/plaid`,
    }).then(
      ({ linkToken }) =>
        sendPage(
          res,
          200,
          plaidLinkPageCsp(deps.settings.plaid.baseUrl),
          renderPlaidLinkPage({ linkToken, postUrl: '/plaid/link/complete', state }),
        ),
      (error: unknown) => {
        deps.log.warn('could not create a Plaid link token', { error: redactText(errorMessage(error)) });
        sendPage(
          res,
          502,
          RESULT_PAGE_CSP,
          resultHtml(
            'Plaid is not reachable',
            error instanceof FinsyncError ? redactText(error.message) : 'Try again in a minute.',
          ),
        );
      },
    );
  };
}

export function plaidLinkComplete(deps: PlaidLinkDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const raw = await readBody(req);
      if (raw === null) return send(res, 413, 'application/json', '{"ok":false,"error":"body too large"}');
      let body: { public_token?: unknown; state?: unknown };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        return send(res, 400, 'application/json', '{"ok":false,"error":"invalid JSON"}');
      }
      const session = typeof body.state === 'string' ? deps.sessions.take(body.state) : null;
      if (!session || typeof body.public_token !== 'string') {
        return send(res, 400, 'application/json', '{"ok":false,"error":"unknown, used or expired state"}');
      }
      try {
        const connection = await deps.finsync.connect({
          provider: 'plaid',
          name: session.name,
          input: { public_token: body.public_token },
          actor: session.userId,
        });
        await deps.notify(
          session.viewId,
          session.userId,
          `:white_check_mark: Connected Plaid as \`${connection.name}\` (${escapeMrkdwn(connection.accountLabel)}). Sync it with \`/finsync sync ${connection.name}\`.`,
        );
        send(res, 200, 'application/json', JSON.stringify({ ok: true, connection: connection.name }));
      } catch (error) {
        const reason =
          error instanceof FinsyncError ? redactText(error.message) : 'finsync could not save the connection';
        await deps.notify(
          session.viewId,
          session.userId,
          `:no_entry: Plaid was not connected: ${escapeMrkdwn(reason)}`,
        );
        send(
          res,
          error instanceof FinsyncError && error.errorClass !== 'internal' ? 400 : 500,
          'application/json',
          JSON.stringify({ ok: false, error: reason }),
        );
      }
    })();
  };
}
