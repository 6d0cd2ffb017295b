/** Renders and publishes a user's Home tab; a failure is logged, never thrown at the click that caused it. */
import type { webApi } from '@slack/bolt';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { HomeView } from '../messages/blocks.ts';
import { type HomeNotifications, homeView } from '../messages/home.ts';
import type { Finsync } from '../services/finsync.ts';
import type { StatusReport } from '../services/status.ts';

type HomeOptions = Parameters<typeof homeView>[1];

/**
 * The last serialized Home view per report (a kept report hands out the same `connections` array), with what
 * else it was built from: under load most opens within a second get the same bytes without re-rendering.
 */
const serialized = new WeakMap<object, { key: string; json: string }>();
function serializedHomeView(report: StatusReport, options: HomeOptions): string {
  const key = JSON.stringify([Math.floor(report.generatedAt.getTime() / 1000), options]);
  const kept = serialized.get(report.connections);
  if (kept?.key === key) return kept.json;
  const json = JSON.stringify(homeView(report, options));
  serialized.set(report.connections, { key, json });
  return json;
}

export function homePublisher(
  finsync: Finsync,
  log: Logger,
  notifications?: () => Promise<HomeNotifications>,
  /** Today's cash line for this person, or null (not a money viewer, or no line to show). */
  cashLine?: (userId: string) => Promise<string | null>,
  /** Open payment requests as lines for this person, or null when they may not ask for payments. */
  paymentLines?: (userId: string) => Promise<readonly string[] | null>,
) {
  return async (client: webApi.WebClient, userId: string): Promise<void> => {
    try {
      const report = await finsync.status();
      const lastSuccessAt = report.connections.reduce<string | null>(
        (latest, c) => (c.lastSuccessAt && (!latest || c.lastSuccessAt > latest) ? c.lastSuccessAt : latest),
        null,
      );
      const cash = cashLine ? await cashLine(userId).catch(() => null) : null;
      const payments = paymentLines ? await paymentLines(userId).catch(() => null) : null;
      const options = {
        isAdmin: await finsync.isAdmin(userId),
        ...(cash ? { cash } : {}),
        ...(payments ? { payments: { open: payments } } : {}),
        lastSuccessAt,
        ...(notifications ? { notifications: await notifications() } : {}),
      };
      // The WebClient sends `view` as given when it is a string: the view is serialized once per distinct
      // content (the report kept between changes, the role, the notification line, the second shown).
      const view = serializedHomeView(report, options);
      await client.views.publish({ user_id: userId, view: view as unknown as HomeView });
    } catch (error) {
      log.warn('could not publish the Home tab', { userId, error: errorMessage(error) });
    }
  };
}
