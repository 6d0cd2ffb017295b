/** The provider picker (Home tab "Connect a System"): swaps itself for the rendering of that provider's connect plan. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { UserInputError } from '../../../errors.ts';
import { connectModal, consentModal } from '../../../messages/connect.ts';
import { noticeModal } from '../../../messages/notice-modal.ts';
import { type ConnectPlan, PROVIDER_FIELD } from '../../../services/connect.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

export function providerPick(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    // The picker is admin-only like the button that opens it (the service checks): a role lost since it
    // opened (or a forged submission) gets no consent link, so no OAuth code is ever issued for this person.
    const provider = view.state.values['provider']?.['value']?.selected_option?.value ?? '';
    let plan: ConnectPlan;
    try {
      // The picker swaps itself for the plan: its view id stays, so a link page's result updates it.
      plan = await deps.connect.plan({ provider, userId: body.user.id, viewId: view.id });
    } catch (error) {
      if (error instanceof UserInputError && error.field === PROVIDER_FIELD)
        return void (await ack({
          response_action: 'errors',
          errors: { provider: 'Pick a system from the list.' },
        }));
      return void (await ack({
        response_action: 'update',
        view: noticeModal('Connect a System', errorReply(error, deps.log)),
      }));
    }
    await ack({
      response_action: 'update',
      view: plan.kind === 'consent' ? consentModal(plan) : connectModal(plan, null),
    });
  };
}
