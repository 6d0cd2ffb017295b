/**
 * Home-tab buttons: Connect a System, Reconnect, Sync Now, Schedule, Disconnect. Each acks first, checks the role
 * through the services, and answers in a modal (the Home tab has no channel to answer in).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { allIntegrations } from '../../../../connectors/registry.ts';
import { connectModal, consentModal, providerPickerModal } from '../../../messages/connect.ts';
import { disconnectModal } from '../../../messages/disconnect.ts';
import { noticeModal } from '../../../messages/notice-modal.ts';
import { paymentRequestModal } from '../../../messages/payment-request-modal.ts';
import { scheduleModal } from '../../../messages/schedule.ts';
import { syncStartedMessage } from '../../../messages/sync.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function homeButton(deps: SlackDeps, work: (args: ButtonArgs, value: string) => Promise<void>) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    try {
      await work(args, args.action.value ?? '');
    } catch (error) {
      await args.client.views.open({
        trigger_id: args.body.trigger_id,
        view: noticeModal('finsync', errorReply(error, deps.log)),
      });
    }
  };
}

export function homeConnect(deps: SlackDeps) {
  return homeButton(deps, async ({ body, client }) => {
    await deps.finsync.requireAdmin(body.user.id, 'connect systems');
    await client.views.open({
      trigger_id: body.trigger_id,
      view: providerPickerModal(allIntegrations(), null),
    });
  });
}

export function homeSync(deps: SlackDeps) {
  return homeButton(deps, async ({ body, client }, connection) => {
    const starts = await deps.finsync.syncNow({
      target: connection,
      trigger: 'manual',
      actor: body.user.id,
      notify: { kind: 'home', userId: body.user.id },
    });
    await client.views.open({
      trigger_id: body.trigger_id,
      view: noticeModal('Sync', syncStartedMessage(starts)),
    });
    await deps.publishHome(client, body.user.id);
  });
}

export function homeSchedule(deps: SlackDeps) {
  return homeButton(deps, async ({ body, client }, name) => {
    await deps.finsync.requireAdmin(body.user.id, 'change schedules', name);
    const connection = await deps.finsync.getConnection(name);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: scheduleModal({
        connection: connection.name,
        current: connection.schedule,
        timezone: deps.timezone,
      }),
    });
  });
}

export function homeDisconnect(deps: SlackDeps) {
  return homeButton(deps, async ({ body, client }, name) => {
    const preview = await deps.finsync.disconnectPreview({ name, actor: body.user.id });
    await client.views.open({ trigger_id: body.trigger_id, view: disconnectModal(preview, null) });
  });
}

/** A connection that needs new credentials: its own reconnect flow, in a modal. */
export function homeReconnect(deps: SlackDeps) {
  return homeButton(deps, async ({ body, client }, name) => {
    const plan = await deps.connect.planReconnect({ connection: name, userId: body.user.id });
    if (plan.kind === 'consent')
      return void (await client.views.open({ trigger_id: body.trigger_id, view: consentModal(plan) }));
    const opened = await client.views.open({ trigger_id: body.trigger_id, view: connectModal(plan, null) });
    if (plan.kind === 'link' && opened.view?.id) await deps.connect.attachView(plan.state, opened.view.id);
  });
}

/** Request a Payment: the form, for those who may ask (admins, or everyone when the setting opens it). */
export function homeRequestPayment(deps: SlackDeps) {
  return homeButton(deps, async ({ body, client }) => {
    if (!(await deps.payments.mayRequest(body.user.id)))
      await deps.finsync.requireAdmin(body.user.id, 'request payments');
    await client.views.open({ trigger_id: body.trigger_id, view: paymentRequestModal() });
  });
}
