/** The provider picker (Home tab "Connect a System"): swaps itself for that provider's connect form. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { integrationFor } from '../../../../connectors/registry.ts';
import type { SlackDeps } from '../../slack-deps.ts';
import { connectModal } from '../../views/connect.ts';

export function providerPick(deps: SlackDeps) {
  return async ({
    ack,
    view,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const provider = view.state.values['provider']?.['value']?.selected_option?.value ?? '';
    const connector = integrationFor(provider);
    if (!connector)
      return void (await ack({
        response_action: 'errors',
        errors: { provider: 'Pick a system from the list.' },
      }));
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
