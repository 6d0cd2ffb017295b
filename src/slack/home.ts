/** Renders and publishes a user's Home tab; a failure is logged, never thrown at the click that caused it. */
import type { webApi } from '@slack/bolt';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Finsync } from '../services/finsync.ts';
import { type HomeNotifications, homeView } from './views/home.ts';

export function homePublisher(
  finsync: Finsync,
  log: Logger,
  notifications?: () => Promise<HomeNotifications>,
) {
  return async (client: webApi.WebClient, userId: string): Promise<void> => {
    try {
      const report = await finsync.status();
      const lastSuccessAt = report.connections.reduce<string | null>(
        (latest, c) => (c.lastSuccessAt && (!latest || c.lastSuccessAt > latest) ? c.lastSuccessAt : latest),
        null,
      );
      await client.views.publish({
        user_id: userId,
        view: homeView(report, {
          isAdmin: await finsync.isAdmin(userId),
          lastSuccessAt,
          ...(notifications ? { notifications: await notifications() } : {}),
        }),
      });
    } catch (error) {
      log.warn('could not publish the Home tab', { userId, error: errorMessage(error) });
    }
  };
}
