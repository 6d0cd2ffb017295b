/**
 * The HTTP side of the browser hand-offs, derived from the registry: every integration whose connect mode is
 * OAuth gets `GET /oauth/<id>/callback` (and `POST /oauth/<id>/choose` when one grant reaches several accounts,
 * for the page that asks which); every link-page one gets `GET /<id>/link` and
 * `POST /<id>/link/complete`. Handlers only read the request, call the connect service and render its outcome
 * as a page (or JSON for the page's script) plus a Slack message to the person who started the connect.
 * Kept apart from src/webhooks: these are a person's browser coming back, not a provider's signed delivery.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectPaths } from '../../connectors/connect-mode.ts';
import { allIntegrations, type Integration } from '../../connectors/registry.ts';
import type { Logger } from '../log.ts';
import { handOffText } from '../messages/connect-handoff.ts';
import {
  CHOICE_PAGE_CSP,
  choiceHtml,
  htmlHeaders,
  RESULT_PAGE_CSP,
  resultHtml,
} from '../security/html-page.ts';
import type { ConnectService } from '../services/connect.ts';
import type { HandOffOutcome } from '../services/connect-handoff.ts';
import type { LinkSession } from '../services/link-sessions.ts';

export interface HandOffRouteDeps {
  readonly connect: ConnectService;
  readonly log: Logger;
  /** Tells the person in Slack how it ended (their connect modal when known, else a DM); must not throw. */
  readonly notify: (session: LinkSession, title: string, text: string) => Promise<void>;
}

export interface HandOffRoute {
  readonly path: string;
  readonly method: string[];
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

const MAX_BODY = 16 * 1024;

/** `deps` is read per request: the app lists its routes before its services exist. */
export function connectRoutes(deps: () => HandOffRouteDeps): HandOffRoute[] {
  return allIntegrations().flatMap((integration) => routesOf(deps, integration));
}

function routesOf(deps: () => HandOffRouteDeps, integration: Integration): HandOffRoute[] {
  const paths = connectPaths(integration.id);
  switch (integration.connect.kind) {
    case 'form':
      return [];
    case 'oauth':
      return [
        { path: paths.callback, method: ['GET'], handler: callback(deps, integration) },
        ...(integration.connect.accounts
          ? [{ path: paths.choose, method: ['POST'], handler: choose(deps, integration) }]
          : []),
      ];
    case 'link':
      return [
        { path: paths.linkPage, method: ['GET'], handler: linkPage(deps, integration) },
        { path: paths.linkComplete, method: ['POST'], handler: linkComplete(deps, integration) },
      ];
  }
}

/** A plain page in words (no script): how every hand-off ends in the browser. */
function page(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, htmlHeaders(RESULT_PAGE_CSP));
  res.end(resultHtml(title, text));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/** Runs a handler to its end; a failure it did not expect is logged and answered 500, never left hanging. */
function guarded(
  lazyDeps: () => HandOffRouteDeps,
  work: (deps: HandOffRouteDeps, req: IncomingMessage, res: ServerResponse) => Promise<void>,
): HandOffRoute['handler'] {
  return (req, res) => {
    const deps = lazyDeps();
    void work(deps, req, res).catch((error: unknown) => {
      deps.log.error('a connect hand-off route failed', {
        path: req.url?.split('?')[0],
        error: String(error),
      });
      if (!res.headersSent)
        page(res, 500, 'Something went wrong', 'Nothing was changed. Start again from Slack.');
    });
  };
}

async function tell(
  deps: HandOffRouteDeps,
  outcome: HandOffOutcome,
  integration: Integration,
): Promise<void> {
  const text = handOffText(outcome, integration.displayName);
  if (text && 'session' in outcome)
    await deps.notify(outcome.session, `Connect ${integration.displayName}`, text);
}

function callback(lazyDeps: () => HandOffRouteDeps, integration: Integration): HandOffRoute['handler'] {
  return guarded(lazyDeps, async (deps, req, res) => {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const outcome = await deps.connect.completeCallback(integration.id, query);
    await tell(deps, outcome, integration);
    finish(res, outcome, integration);
  });
}

/** POST of the choice page (which account of several): form-encoded `state` and `account`. */
function choose(lazyDeps: () => HandOffRouteDeps, integration: Integration): HandOffRoute['handler'] {
  return guarded(lazyDeps, async (deps, req, res) => {
    const raw = await readBody(req);
    if (raw === null) return page(res, 413, 'Too large', 'Nothing was changed. Start again from Slack.');
    const outcome = await deps.connect.completeChoice(integration.id, new URLSearchParams(raw));
    await tell(deps, outcome, integration);
    finish(res, outcome, integration);
  });
}

/** How an OAuth hand-off's step ends in the browser: a question, or a plain page in words. */
function finish(res: ServerResponse, outcome: HandOffOutcome, integration: Integration) {
  const name = integration.displayName;
  const again = `Start again from Slack with /finsync connect ${integration.id}.`;
  const notConnected = `${name} was not connected`;
  switch (outcome.kind) {
    case 'expired':
    case 'invalid':
      return page(
        res,
        400,
        'This link has expired',
        `It was already used, is older than 15 minutes, or did not come from finsync. Nothing was changed. ${again}`,
      );
    case 'choose':
      res.writeHead(outcome.problem ? 400 : 200, htmlHeaders(CHOICE_PAGE_CSP));
      return void res.end(
        choiceHtml({
          title: `Choose the ${name} ${outcome.noun}`,
          text: `This sign-in reaches ${outcome.accounts.length} ${outcome.nouns}. A connection syncs one: choose the ${outcome.noun} finsync connects as "${outcome.session.name}". To sync another one too, connect it again afterwards.`,
          action: connectPaths(integration.id).choose,
          hidden: { state: outcome.state },
          field: 'account',
          options: outcome.accounts.map((a) => ({ value: a.id, label: a.name, detail: a.id })),
          submit: `Connect this ${outcome.noun}`,
          ...(outcome.problem ? { problem: outcome.problem } : {}),
        }),
      );
    case 'refused':
      return page(
        res,
        400,
        notConnected,
        `${name} did not grant access (${outcome.reason.slice(0, 80)}). Nothing was changed. You can close this window.`,
      );
    case 'malformed':
      return page(res, 400, notConnected, `${outcome.reason} Nothing was changed.`);
    case 'forbidden':
      return page(res, 403, notConnected, 'Only finsync admins can connect systems. Nothing was changed.');
    case 'connected':
      return page(
        res,
        200,
        outcome.session.purpose === 'reconnect' ? `${name} is reconnected` : `${name} is connected`,
        outcome.session.purpose === 'reconnect'
          ? `"${outcome.connection.name}" (${outcome.connection.accountLabel}) has new credentials. You can close this window and return to Slack.`
          : `${outcome.connection.accountLabel} is connected to finsync as "${outcome.connection.name}". You can close this window and return to Slack.`,
      );
    case 'failed': {
      const retry =
        outcome.session.purpose === 'reconnect'
          ? `Start again from Slack with /finsync reconnect ${outcome.session.name}.`
          : again;
      const title = outcome.session.purpose === 'reconnect' ? `${name} was not reconnected` : notConnected;
      return page(res, 502, title, `${outcome.reason}. Nothing was changed. ${retry}`);
    }
  }
}

function linkPage(lazyDeps: () => HandOffRouteDeps, integration: Integration): HandOffRoute['handler'] {
  return guarded(lazyDeps, async (deps, req, res) => {
    const state = new URL(req.url ?? '/', 'http://localhost').searchParams.get('state') ?? '';
    const outcome = await deps.connect.linkPage(integration.id, state);
    switch (outcome.kind) {
      case 'expired':
        return page(
          res,
          400,
          'This link has expired',
          `Start again from Slack with /finsync connect ${integration.id}.`,
        );
      case 'unavailable':
        return page(res, 502, `${integration.displayName} is not reachable`, outcome.reason);
      case 'page':
        res.writeHead(200, htmlHeaders(outcome.csp));
        return void res.end(outcome.html);
    }
  });
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

function linkComplete(lazyDeps: () => HandOffRouteDeps, integration: Integration): HandOffRoute['handler'] {
  return guarded(lazyDeps, async (deps, req, res) => {
    const raw = await readBody(req);
    if (raw === null) return json(res, 413, { ok: false, error: 'body too large' });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return json(res, 400, { ok: false, error: 'invalid JSON' });
    }
    const outcome = await deps.connect.completeLink(integration.id, body);
    await tell(deps, outcome, integration);
    switch (outcome.kind) {
      case 'connected':
        return json(res, 200, { ok: true, connection: outcome.connection.name });
      case 'failed':
        return json(res, outcome.internal ? 500 : 400, { ok: false, error: outcome.reason });
      default:
        return json(res, 400, {
          ok: false,
          error: 'this link was already used, has expired, or did not come from finsync',
        });
    }
  });
}
