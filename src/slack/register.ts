/** Every Slack listener, registered in one place (Bolt starter-template style). */
import type { App, Middleware, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { INCIDENT_ACTIONS, SNOOZE_CALLBACK } from '../messages/alert.ts';
import { CASH_SHARE_ACTION } from '../messages/cash.ts';
import { CONNECT_CALLBACK, PICKER_CALLBACK } from '../messages/connect.ts';
import { DISCONNECT_CALLBACK } from '../messages/disconnect.ts';
import { PAYMENT_ACTIONS } from '../messages/payment-request.ts';
import { PAYMENT_REQUEST_CALLBACK, PAYMENT_SHARE_CALLBACK } from '../messages/payment-request-modal.ts';
import { ALERTS_OFF_ACTION } from '../messages/routing.ts';
import { SCHEDULE_CALLBACK } from '../messages/schedule.ts';
import { alertsOff } from './listeners/actions/alerts-off.ts';
import { cashShare } from './listeners/actions/cash-share.ts';
import {
  homeConnect,
  homeDisconnect,
  homeReconnect,
  homeRequestPayment,
  homeSchedule,
  homeSync,
} from './listeners/actions/home-buttons.ts';
import {
  incidentHistory,
  incidentReconnect,
  incidentRetry,
  incidentSnooze,
} from './listeners/actions/incident-buttons.ts';
import {
  paymentApprove,
  paymentCancel,
  paymentReject,
  paymentShare,
} from './listeners/actions/payment-buttons.ts';
import { statusShare } from './listeners/actions/status-share.ts';
import { finsyncCommand } from './listeners/commands/finsync.ts';
import { appHomeOpened } from './listeners/events/app-home-opened.ts';
import { connectSubmit } from './listeners/views/connect-submit.ts';
import { disconnectSubmit } from './listeners/views/disconnect-submit.ts';
import { paymentRequestSubmit } from './listeners/views/payment-request-submit.ts';
import { paymentShareSubmit } from './listeners/views/payment-share-submit.ts';
import { providerPick } from './listeners/views/provider-pick.ts';
import { scheduleSubmit } from './listeners/views/schedule-submit.ts';
import { snoozeSubmit } from './listeners/views/snooze-submit.ts';
import { replayGuard } from './replay-guard.ts';
import type { SlackDeps } from './slack-deps.ts';

export function registerListeners(app: App, deps: SlackDeps): void {
  // First: a replayed request (same event_id or trigger_id) is acked and reaches no listener.
  app.use(replayGuard({ log: deps.log, replays: deps.replays }));
  const actions: Record<string, Middleware<SlackActionMiddlewareArgs>> = {
    status_share: statusShare(deps) as Middleware<SlackActionMiddlewareArgs>,
    [CASH_SHARE_ACTION]: cashShare(deps) as Middleware<SlackActionMiddlewareArgs>,
    home_connect: homeConnect(deps) as Middleware<SlackActionMiddlewareArgs>,
    home_sync: homeSync(deps) as Middleware<SlackActionMiddlewareArgs>,
    home_reconnect: homeReconnect(deps) as Middleware<SlackActionMiddlewareArgs>,
    home_schedule: homeSchedule(deps) as Middleware<SlackActionMiddlewareArgs>,
    home_disconnect: homeDisconnect(deps) as Middleware<SlackActionMiddlewareArgs>,
    [INCIDENT_ACTIONS.retry]: incidentRetry(deps) as Middleware<SlackActionMiddlewareArgs>,
    [INCIDENT_ACTIONS.snooze]: incidentSnooze(deps) as Middleware<SlackActionMiddlewareArgs>,
    [INCIDENT_ACTIONS.history]: incidentHistory(deps) as Middleware<SlackActionMiddlewareArgs>,
    [INCIDENT_ACTIONS.reconnect]: incidentReconnect(deps) as Middleware<SlackActionMiddlewareArgs>,
    [ALERTS_OFF_ACTION]: alertsOff(deps) as Middleware<SlackActionMiddlewareArgs>,
    [PAYMENT_ACTIONS.approve]: paymentApprove(deps) as Middleware<SlackActionMiddlewareArgs>,
    [PAYMENT_ACTIONS.reject]: paymentReject(deps) as Middleware<SlackActionMiddlewareArgs>,
    [PAYMENT_ACTIONS.cancel]: paymentCancel(deps) as Middleware<SlackActionMiddlewareArgs>,
    [PAYMENT_ACTIONS.share]: paymentShare(deps) as Middleware<SlackActionMiddlewareArgs>,
    [PAYMENT_ACTIONS.homeRequest]: homeRequestPayment(deps) as Middleware<SlackActionMiddlewareArgs>,
    // The link button opens Stripe's page in the browser; Slack still reports the click.
    [PAYMENT_ACTIONS.open]: async ({ ack }) => ack(),
    // URL buttons (Plaid Link, OAuth consent) open a page; Slack still reports the click, which only needs an ack.
    connect_open_link: async ({ ack }) => ack(),
    connect_open_oauth: async ({ ack }) => ack(),
  };
  const views: Record<string, Middleware<SlackViewMiddlewareArgs>> = {
    [PICKER_CALLBACK]: providerPick(deps) as Middleware<SlackViewMiddlewareArgs>,
    [CONNECT_CALLBACK]: connectSubmit(deps) as Middleware<SlackViewMiddlewareArgs>,
    [DISCONNECT_CALLBACK]: disconnectSubmit(deps) as Middleware<SlackViewMiddlewareArgs>,
    [SCHEDULE_CALLBACK]: scheduleSubmit(deps) as Middleware<SlackViewMiddlewareArgs>,
    [SNOOZE_CALLBACK]: snoozeSubmit(deps) as Middleware<SlackViewMiddlewareArgs>,
    [PAYMENT_REQUEST_CALLBACK]: paymentRequestSubmit(deps) as Middleware<SlackViewMiddlewareArgs>,
    [PAYMENT_SHARE_CALLBACK]: paymentShareSubmit(deps) as Middleware<SlackViewMiddlewareArgs>,
  };
  // One Bolt listener per kind, routing by id. Bolt runs every registered listener's middleware chain on every
  // request (App.processEvent), and thirty listeners (one per button and form) cost about 0.3 ms of CPU on each
  // Slack request, a `/finsync status` or a Home open included (bench/ack-latency.ts, profiled).
  app.command('/finsync', finsyncCommand(deps));
  app.action({ type: 'block_actions' }, (args) => {
    const id = args.payload.action_id;
    const listener = Object.hasOwn(actions, id) ? actions[id] : undefined;
    // A click on a button no listener knows (an old message, a retired version) is acked at once rather than
    // left to time out, which would show the person an error.
    return listener ? listener(args) : args.ack();
  });
  app.view({ type: 'view_submission' }, (args) => {
    const id = args.view.callback_id;
    const listener = Object.hasOwn(views, id) ? views[id] : undefined;
    // A form of a retired version: closed with a plain ack rather than an error after Slack's timeout.
    return listener ? listener(args) : args.ack();
  });
  app.event('app_home_opened', appHomeOpened(deps));
}
