/**
 * The routing use cases (`alerts`, `subscribe`, `unsubscribe`, `subscribe list`, `digest #channel`), the
 * same for Slack and the CLI: admins only for changes, every change audited. Whether finsync can post in
 * the channel is checked by the caller (Slack knows; the CLI cannot ask).
 */
import { UserInputError } from '../errors.ts';
import type {
  AlertRoute,
  AlertRouting,
  ChannelTarget,
  DigestRoute,
  Subscription,
  SubscriptionKind,
} from '../notify/routing.ts';
import type { Finsync } from './finsync.ts';

export interface ChannelRoutes {
  readonly alerts: AlertRoute;
  readonly digest: DigestRoute;
  /** This channel's subscriptions. */
  readonly subscriptions: readonly Subscription[];
  /** Whether this channel is the default alert channel, and the digest channel. */
  readonly isAlertChannel: boolean;
  readonly isDigestChannel: boolean;
}

export class AlertSettings {
  constructor(
    readonly finsync: Finsync,
    readonly routing: AlertRouting,
  ) {}

  async setAlertChannel(actor: string, channel: ChannelTarget | 'off'): Promise<AlertRoute> {
    await this.finsync.requireAdmin(actor, 'change where alerts go');
    await this.routing.setAlertChannel(channel, actor);
    await this.finsync.audit({
      actor,
      action: channel === 'off' ? 'alerts off' : `alerts ${channel.name ? `#${channel.name}` : channel.id}`,
      connection: null,
      outcome: 'ok',
      detail: channel === 'off' ? null : channel.id,
    });
    return this.routing.alertRoute();
  }

  async subscribe(
    actor: string,
    channel: ChannelTarget,
    target: string,
    kinds: readonly SubscriptionKind[],
  ): Promise<Subscription> {
    await this.finsync.requireAdmin(actor, 'change subscriptions', target === 'all' ? null : target);
    if (target !== 'all') await this.finsync.getConnection(target);
    const subscription = await this.routing.subscribe(channel, target, kinds, actor);
    await this.finsync.audit({
      actor,
      action: `subscribe ${kinds.join(' ')}`,
      connection: target === 'all' ? null : target,
      outcome: 'ok',
      detail: channel.id,
    });
    return subscription;
  }

  async unsubscribe(
    actor: string,
    channel: string,
    target: string,
    kinds: readonly SubscriptionKind[],
  ): Promise<{ removed: readonly SubscriptionKind[]; remaining: readonly SubscriptionKind[] }> {
    await this.finsync.requireAdmin(actor, 'change subscriptions', target === 'all' ? null : target);
    const result = await this.routing.unsubscribe(channel, target, kinds);
    if (!result || result.removed.length === 0) {
      const current = (await this.routing.forChannel(channel)).map((s) => s.target);
      throw new UserInputError(
        `This channel is not subscribed to ${kinds.join(', ')} of ${target}.` +
          (current.length > 0
            ? ` Its subscriptions: ${current.join(', ')} (\`/finsync subscribe list\`).`
            : ' It has no subscriptions.'),
      );
    }
    await this.finsync.audit({
      actor,
      action: `unsubscribe ${result.removed.join(' ')}`,
      connection: target === 'all' ? null : target,
      outcome: 'ok',
      detail: channel,
    });
    return result;
  }

  async setDigest(actor: string, channel: ChannelTarget, time: string | null): Promise<DigestRoute> {
    await this.finsync.requireAdmin(actor, 'change the daily digest');
    const route = await this.routing.setDigest(channel, time, actor);
    await this.finsync.audit({
      actor,
      action: `digest ${channel.name ? `#${channel.name}` : channel.id} at ${route.time}`,
      connection: null,
      outcome: 'ok',
      detail: channel.id,
    });
    return route;
  }

  /** What a channel receives: its subscriptions, and whether it is the default alert or digest channel. */
  async routesFor(channel: string): Promise<ChannelRoutes> {
    const [alerts, digest, subscriptions] = await Promise.all([
      this.routing.alertRoute(),
      this.routing.digestRoute(),
      this.routing.forChannel(channel),
    ]);
    return {
      alerts,
      digest,
      subscriptions,
      isAlertChannel: alerts.kind === 'channel' && alerts.channel.id === channel,
      isDigestChannel: digest.channel?.id === channel,
    };
  }
}
