/** Publishes the Home tab when someone opens it. */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../slack-deps.ts';

export function appHomeOpened(deps: SlackDeps) {
  return async ({
    event,
    client,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    await deps.publishHome(client, event.user);
  };
}
