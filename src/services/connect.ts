/**
 * The connect use case: what a person must do to connect an integration, as a plan that the slash command,
 * the Home picker, the CLI and the sandbox render without knowing providers. The plan follows the mode the
 * provider declares (connectors/connect-mode.ts): a form of fields, a consent URL, or a link page URL with
 * the form as fallback. Browser hand-offs carry a single-use state bound to the person (LinkSessions).
 * The role is checked here, once for every surface.
 */
import { connectPaths } from '../../connectors/connect-mode.ts';
import type { Integration } from '../../connectors/registry.ts';
import type { CredentialField } from '../../connectors/types.ts';
import type { Logger } from '../log.ts';
import {
  completeCallback,
  completeChoice,
  completeLink,
  type HandOffOutcome,
  type LinkPageOutcome,
  linkPage,
} from './connect-handoff.ts';
import { requireIntegration } from './connections.ts';

export { PROVIDER_FIELD } from './connections.ts';

import type { Finsync } from './finsync.ts';
import type { LinkSessions } from './link-sessions.ts';
import { planReconnect, type ReconnectRequest } from './reconnect.ts';

export interface ConnectServiceDeps {
  readonly finsync: Finsync;
  readonly sessions: LinkSessions;
  /** FINSYNC_PUBLIC_URL: where browsers reach the link pages. */
  readonly publicUrl: string;
  readonly log: Logger;
}

export interface ProviderSummary {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
}

interface PlanBase {
  readonly provider: ProviderSummary;
  /** The proposed connection name (the form's default; the hand-off's name). */
  readonly name: string;
  /** What to tell the person, in plain words (renderers escape it). */
  readonly text: string;
  /** A reconnect: the existing connection that gets the new credentials (its name cannot change). */
  readonly reconnecting?: string;
}

/** Type the credential fields. */
export interface FormPlan extends PlanBase {
  readonly kind: 'form';
  readonly fields: readonly CredentialField[];
  /** Values to fill in, by field key (a reconnect's stored non-secret fields). */
  readonly initial?: Readonly<Record<string, string>>;
}

/** Open our link page (the form stays as a fallback: a token can be pasted). */
export interface LinkPlan extends PlanBase {
  readonly kind: 'link';
  readonly fields: readonly CredentialField[];
  readonly url: string;
  readonly buttonLabel: string;
  readonly instructions: string;
  /** The hand-off's state, to attach the modal that shows the plan (attachView). */
  readonly state: string;
}

/** Consent on the provider's page; its callback completes the connection. */
export interface ConsentPlan extends PlanBase {
  readonly kind: 'consent';
  readonly url: string;
  readonly buttonLabel: string;
  readonly state: string;
}

export type ConnectPlan = FormPlan | LinkPlan | ConsentPlan;

export interface PlanRequest {
  readonly provider: string;
  readonly userId: string;
  /** The modal the plan is shown in, when known now (the Home picker): a link page's result updates it. */
  readonly viewId?: string | null;
}

export class ConnectService {
  constructor(readonly deps: ConnectServiceDeps) {}

  /** Admins only (the refusal is audited); an unknown provider names the ones that exist. */
  async plan(request: PlanRequest): Promise<ConnectPlan> {
    const { finsync } = this.deps;
    await finsync.requireAdmin(request.userId, 'connect systems');
    const integration = requireIntegration(request.provider);
    const name = await finsync.proposeName(integration.id);
    const provider = summary(integration);
    const mode = integration.connect;
    switch (mode.kind) {
      case 'form':
        return {
          kind: 'form',
          provider,
          name,
          fields: integration.credentialFields,
          text: provider.description,
        };
      case 'link': {
        const state = await this.startHandOff(request, integration.id, name);
        const url = `${this.deps.publicUrl}${connectPaths(integration.id).linkPage}?state=${state}`;
        return {
          kind: 'link',
          provider,
          name,
          fields: integration.credentialFields,
          text: provider.description,
          url,
          buttonLabel: mode.buttonLabel,
          instructions: mode.instructions,
          state,
        };
      }
      case 'oauth': {
        const state = await this.startHandOff(request, integration.id, name);
        return {
          kind: 'consent',
          provider,
          name,
          text: `Connect ${integration.displayName}: ${mode.consentHint}.`,
          url: mode.consentUrl(finsync.deps.connectorContext(integration.id).settings, state),
          buttonLabel: mode.signInLabel,
          state,
        };
      }
    }
  }

  /** Reconnect an existing connection through its own connect flow (reconnect.ts). */
  planReconnect(request: ReconnectRequest): Promise<ConnectPlan> {
    return planReconnect(this.deps, request);
  }

  /** The modal that shows a hand-off's plan, once Slack has said its id: the result updates it. */
  async attachView(state: string, viewId: string): Promise<void> {
    await this.deps.sessions.setViewId(state, viewId);
  }

  /** A link page for its state (connect-handoff.ts). */
  linkPage(provider: string, state: string): Promise<LinkPageOutcome> {
    return linkPage(this.deps, provider, state, connectPaths(provider).linkComplete);
  }

  /** A link page's posted result. */
  completeLink(provider: string, body: unknown): Promise<HandOffOutcome> {
    return completeLink(this.deps, provider, body);
  }

  /** An OAuth provider's redirect back to us. */
  completeCallback(provider: string, query: URLSearchParams): Promise<HandOffOutcome> {
    return completeCallback(this.deps, provider, query);
  }

  /** The choice page's posted answer (which account of several the connection syncs). */
  completeChoice(provider: string, form: URLSearchParams): Promise<HandOffOutcome> {
    return completeChoice(this.deps, provider, form);
  }

  private async startHandOff(request: PlanRequest, provider: string, name: string): Promise<string> {
    const state = await this.deps.sessions.create({ userId: request.userId, provider, name });
    if (request.viewId) await this.attachView(state, request.viewId);
    return state;
  }
}

function summary(integration: Integration): ProviderSummary {
  return {
    id: integration.id,
    displayName: integration.displayName,
    description: integration.description,
  };
}
