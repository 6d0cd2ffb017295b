/**
 * Sends the daily digest: on each tick (every 30 s in the app), every digest channel whose digest is due
 * and not yet queued gets it through the outbox. The outbox key `digest:<day>:<channel>` is the record of
 * "sent": one message per key, ever, so a day's digest reaches a channel once, also across restarts and
 * several ticks. A digest missed while finsync was down goes out when it is back, marked late, for the
 * latest missed day only (older days would be stale news; `/finsync digest now` shows yesterday on demand).
 */
import { errorMessage } from '../errors.ts';
import { alertKey } from '../incidents/incident-service.ts';
import type { Incident } from '../incidents/types.ts';
import type { Logger } from '../log.ts';
import type { SlackMessage } from '../messages/blocks.ts';
import { digestMessage } from '../messages/digest.ts';
import type { OutboxItem, OutboxMessage } from '../notify/outbox.ts';
import type { AlertRouting } from '../notify/routing.ts';
import type { Digest } from './compute.ts';
import type { DigestDay } from './day.ts';
import { latestDueDigest } from './due.ts';

export interface DigestSenderDeps {
  readonly routing: AlertRouting;
  readonly outbox: {
    enqueue(message: OutboxMessage): Promise<boolean>;
    get(key: string): Promise<OutboxItem | undefined>;
  };
  readonly compute: (day: DigestDay) => Promise<Digest>;
  /** The open incident of a connection (its alert thread is linked from the digest). */
  readonly openIncident: (connection: string) => Promise<Incident | undefined>;
  /** Permalink of a posted message; null when Slack cannot tell. */
  readonly permalink: (channel: string, ts: string) => Promise<string | null>;
  /** Display names of Slack users (owners are named, never pinged). */
  readonly displayNames: (ids: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  readonly timezone: string;
  readonly now: () => Date;
  readonly log: Logger;
}

export function digestKey(day: DigestDay, channel: string): string {
  return `digest:${day.date}:${channel}`;
}

export class DigestSender {
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DigestSenderDeps) {}

  /** Queues every due digest not queued before. Never throws; ticks never overlap. */
  tick(): Promise<void> {
    this.running = this.running.then(() =>
      this.sendDue().catch((error: unknown) => {
        this.deps.log.error('daily digest not sent; will try again', { error: errorMessage(error) });
      }),
    );
    return this.running;
  }

  /** `/finsync digest now #channel`: yesterday's digest to a channel, once per person, day and channel. */
  async shareNow(channel: string, requestedBy: string, day: DigestDay): Promise<boolean> {
    const digest = await this.deps.compute(day);
    return this.enqueue(`digest-now:${day.date}:${channel}:${requestedBy}`, channel, digest, false);
  }

  /** `/finsync digest now`: the day's digest as a channel would get it (alert links, owners named). */
  async render(day: DigestDay): Promise<{ message: SlackMessage; digest: Digest }> {
    const digest = await this.deps.compute(day);
    return { message: await this.message(digest, false), digest };
  }

  private async sendDue(): Promise<void> {
    const { routing, timezone, now } = this.deps;
    const { time, targets } = await routing.digestTargets();
    const computed = new Map<string, Digest>();
    for (const target of targets) {
      const due = latestDueDigest(now(), time, timezone, new Date(target.since));
      if (!due) continue;
      const key = digestKey(due.day, target.channel);
      if (await this.deps.outbox.get(key)) continue;
      let digest = computed.get(due.day.date);
      if (!digest) {
        digest = await this.deps.compute(due.day);
        computed.set(due.day.date, digest);
      }
      const queued = await this.enqueue(key, target.channel, digest, due.late);
      if (queued)
        this.deps.log.info('daily digest queued', {
          day: due.day.date,
          channel: target.channel,
          late: due.late,
        });
    }
  }

  private async message(digest: Digest, late: boolean): Promise<SlackMessage> {
    const owners = [
      ...new Set([...digest.problems.map((p) => p.owner), ...digest.stale.map((s) => s.owner)]),
    ];
    const [alertLinks, ownerNames] = await Promise.all([
      this.alertLinks(digest),
      this.deps.displayNames(owners).catch(() => new Map<string, string>()),
    ]);
    return digestMessage(digest, { late, alertLinks, ownerNames });
  }

  private async enqueue(key: string, channel: string, digest: Digest, late: boolean): Promise<boolean> {
    const message = await this.message(digest, late);
    return this.deps.outbox.enqueue({
      key,
      channel,
      method: 'chat.postMessage',
      args: { text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false },
    });
  }

  /** For each problem with an alert: a link to its thread (the first channel it was posted in). */
  private async alertLinks(digest: Digest): Promise<Map<string, string>> {
    const links = new Map<string, string>();
    for (const problem of digest.problems) {
      const incident = await this.deps.openIncident(problem.name);
      const channel = incident?.channels[0];
      if (!incident || !channel) continue;
      const posted = await this.deps.outbox.get(alertKey(incident.id, channel, 'post'));
      if (posted?.state !== 'delivered' || !posted.ts) continue;
      try {
        const link = await this.deps.permalink(posted.deliveredChannel ?? channel, posted.ts);
        if (link) links.set(problem.name, link);
      } catch (error) {
        this.deps.log.debug?.('no permalink for an alert thread', { error: errorMessage(error) });
      }
    }
    return links;
  }
}
