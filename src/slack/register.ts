/** Every Slack listener, registered in one place (Bolt starter-template style). */
import type { App } from '@slack/bolt';
import { homeConnect, homeDisconnect, homeSchedule, homeSync } from './listeners/actions/home-buttons.ts';
import { statusShare } from './listeners/actions/status-share.ts';
import { finsyncCommand } from './listeners/commands/finsync.ts';
import { appHomeOpened } from './listeners/events/app-home-opened.ts';
import { connectSubmit } from './listeners/views/connect-submit.ts';
import { disconnectSubmit } from './listeners/views/disconnect-submit.ts';
import { providerPick } from './listeners/views/provider-pick.ts';
import { scheduleSubmit } from './listeners/views/schedule-submit.ts';
import type { SlackDeps } from './slack-deps.ts';
import { CONNECT_CALLBACK, PICKER_CALLBACK } from './views/connect.ts';
import { DISCONNECT_CALLBACK } from './views/disconnect.ts';
import { SCHEDULE_CALLBACK } from './views/schedule.ts';

export function registerListeners(app: App, deps: SlackDeps): void {
  app.command('/finsync', finsyncCommand(deps));
  app.action('status_share', statusShare(deps));
  app.action('home_connect', homeConnect(deps));
  // The Plaid Link button opens a URL; Slack still reports the click, which only needs an ack.
  app.action('connect_open_link', async ({ ack }) => ack());
  app.action('connect_open_oauth', async ({ ack }) => ack());
  app.action('home_sync', homeSync(deps));
  app.action('home_schedule', homeSchedule(deps));
  app.action('home_disconnect', homeDisconnect(deps));
  app.view(PICKER_CALLBACK, providerPick(deps));
  app.view(CONNECT_CALLBACK, connectSubmit(deps));
  app.view(DISCONNECT_CALLBACK, disconnectSubmit(deps));
  app.view(SCHEDULE_CALLBACK, scheduleSubmit(deps));
  app.event('app_home_opened', appHomeOpened(deps));
}
