/** The provider picker (Home tab "Connect a System"): swaps itself for that provider's connect form. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { integrationFor } from '../../../../connectors/registry.ts';
import { clip } from '../../../messages/blocks.ts';
import { connectModal, oauthConnectMessage } from '../../../messages/connect.ts';
import { noticeModal } from '../../../messages/notice-modal.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function providerPick(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    // The picker is admin-only like the button that opens it: a role lost since it opened (or a forged
    // submission) gets no consent link, so no OAuth code is ever issued for this person.
    try {
      await deps.finsync.requireAdmin(body.user.id, 'connect systems');
    } catch (error) {
      return void (await ack({
        response_action: 'update',
        view: noticeModal('Connect a System', errorReply(error, deps.log)),
      }));
    }
    const provider = view.state.values['provider']?.['value']?.selected_option?.value ?? '';
    const connector = integrationFor(provider);
    if (!connector)
      return void (await ack({
        response_action: 'errors',
        errors: { provider: 'Pick a system from the list.' },
      }));
    if (connector.oauth) {
      // OAuth providers connect on their consent page: show the link (bound to this person) in the modal.
      const state = await deps.linkSessions.create({
        userId: body.user.id,
        provider: connector.id,
        name: await deps.finsync.proposeName(connector.id),
      });
      const message = oauthConnectMessage(connector.displayName, deps.authorizeUrl(connector.id, state));
      return void (await ack({
        response_action: 'update',
        view: {
          type: 'modal',
          title: { type: 'plain_text', text: clip(`Connect ${connector.displayName}`, 24) },
          close: { type: 'plain_text', text: 'Close' },
          blocks: message.blocks,
        },
      }));
    }
    await ack({
      response_action: 'update',
      view: connectModal({
        provider: connector,
        fields: connector.credentialFields,
        proposedName: await deps.finsync.proposeName(connector.id),
        channelId: null,
      }),
    });
  };
}
