/** What Slack listeners get: the services, a logger, and a few Slack-side helpers. */
import type { webApi } from '@slack/bolt';
import type { DigestSender } from '../digest/sender.ts';
import type { IncidentService } from '../incidents/incident-service.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../notify/outbox.ts';
import type { AlertSettings } from '../services/alert-settings.ts';
import type { CashService } from '../services/cash.ts';
import type { ConnectService } from '../services/connect.ts';
import type { Finsync } from '../services/finsync.ts';
import type { PaymentRequests } from '../services/payment-requests.ts';
import type { ReplayStore } from '../store/ports/replays.ts';

export interface SlackDeps {
  readonly finsync: Finsync;
  /** Where alerts and digests go. */
  readonly alertSettings: AlertSettings;
  readonly incidents: IncidentService;
  readonly digests: DigestSender;
  /** `cash`: money per system and currency, and balances. */
  readonly cash: CashService;
  /** `request`, `requests`: payment requests through Stripe Payment Links. */
  readonly payments: PaymentRequests;
  /** Every post to a channel goes through it (shares too). */
  readonly outbox: Pick<Outbox, 'enqueue'>;
  readonly log: Logger;
  /** Slack requests already handled, in any process (the replay guard). */
  readonly replays: ReplayStore;
  /** Re-renders a user's Home tab (after every change they make). */
  readonly publishHome: (client: webApi.WebClient, userId: string) => Promise<void>;
  /** Team timezone, for schedule texts. */
  readonly timezone: string;
  /** The connect use case: the plan each surface renders. */
  readonly connect: ConnectService;
  /** Shows a `sync all` group's one message through its response_url when a report is due (never throws). */
  readonly reportSyncGroup: (group: string, responseUrl: string) => Promise<void>;
}
