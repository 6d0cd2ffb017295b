/**
 * Where alerts and digests go: the workspace's default alert channel (`/finsync alerts`, default
 * FINSYNC_ALERT_CHANNEL), GitHub-style per-channel subscriptions (`/finsync subscribe`), and the digest
 * channel and time (`/finsync digest`, defaults FINSYNC_DIGEST_CHANNEL and FINSYNC_DIGEST_TIME).
 * Kept as settings in the store, so the app, the CLI and a restart all see the same routes.
 *
 * The default alert channel receives failures and recoveries of every connection; a subscription receives
 * what it names. A channel that is both gets each message once.
 */
import type { Store } from '../store/types.ts';

/** What a channel subscribes to for a connection (or all). */
export type SubscriptionKind = 'failures' | 'recoveries' | 'digest';

export interface ChannelTarget {
  readonly id: string;
  /** As the person wrote it (`finance-alerts`), for answers; null when only the id is known. */
  readonly name: string | null;
}

export interface Subscription {
  readonly channel: string;
  readonly channelName: string | null;
  /** A connection name, or `all`. */
  readonly target: string;
  readonly kinds: readonly SubscriptionKind[];
  readonly by: string;
  /** When the channel started receiving (a digest due before that is not sent to it). */
  readonly since: string;
}

/** The default alert channel: set from Slack, switched off, or from the environment (or none). */
export type AlertRoute =
  | { readonly kind: 'channel'; readonly channel: ChannelTarget; readonly source: 'slack' | 'environment' }
  | { readonly kind: 'off'; readonly by: string; readonly at: string }
  | { readonly kind: 'none' };

export interface DigestRoute {
  /** Null when no digest channel is set (subscribers with `digest` still receive it). */
  readonly channel: ChannelTarget | null;
  readonly time: string;
  readonly since: string;
  readonly source: 'slack' | 'environment' | 'none';
}

export interface RoutingDefaults {
  readonly alertChannel: string | undefined;
  readonly digestChannel: string | undefined;
  readonly digestTime: string;
}

/** A channel that receives the digest, and since when. */
export interface DigestTarget {
  readonly channel: string;
  readonly since: string;
}

const KEYS = {
  alerts: 'routing.alerts',
  subscriptions: 'routing.subscriptions',
  digest: 'routing.digest',
  /** When an environment default was first seen: its digests count from then. */
  envDigestSince: 'routing.digest.environmentSince',
} as const;

type StoredAlerts = { kind: 'channel'; channel: ChannelTarget } | { kind: 'off'; by: string; at: string };
interface StoredDigest {
  channel: ChannelTarget;
  time: string;
  since: string;
  by: string;
}

export class AlertRouting {
  constructor(
    private readonly store: Store,
    private readonly defaults: RoutingDefaults,
    private readonly now: () => Date,
  ) {}

  async alertRoute(): Promise<AlertRoute> {
    const stored = await this.store.getSetting<StoredAlerts>(KEYS.alerts);
    if (stored?.kind === 'channel') return { kind: 'channel', channel: stored.channel, source: 'slack' };
    if (stored?.kind === 'off') return stored;
    const env = this.defaults.alertChannel;
    return env
      ? { kind: 'channel', channel: { id: env, name: null }, source: 'environment' }
      : { kind: 'none' };
  }

  async setAlertChannel(channel: ChannelTarget | 'off', by: string): Promise<void> {
    const value: StoredAlerts =
      channel === 'off' ? { kind: 'off', by, at: this.now().toISOString() } : { kind: 'channel', channel };
    await this.store.setSetting(KEYS.alerts, value);
  }

  async subscriptions(): Promise<readonly Subscription[]> {
    return (await this.store.getSetting<Subscription[]>(KEYS.subscriptions)) ?? [];
  }

  async forChannel(channel: string): Promise<readonly Subscription[]> {
    return (await this.subscriptions()).filter((s) => s.channel === channel);
  }

  /** Adds kinds to the channel's subscription for the target (creating it); returns it as it now stands. */
  async subscribe(
    target: ChannelTarget,
    connection: string,
    kinds: readonly SubscriptionKind[],
    by: string,
  ): Promise<Subscription> {
    let merged!: Subscription;
    // One atomic read-modify-write: a subscription added meanwhile by another process (the CLI) is kept.
    await this.store.modifySetting<Subscription[]>(KEYS.subscriptions, (stored) => {
      const all = [...(stored ?? [])];
      const index = all.findIndex((s) => s.channel === target.id && s.target === connection);
      const existing = index >= 0 ? all[index] : undefined;
      merged = {
        channel: target.id,
        channelName: target.name ?? existing?.channelName ?? null,
        target: connection,
        kinds: sortKinds(new Set([...(existing?.kinds ?? []), ...kinds])),
        by: existing?.by ?? by,
        // Counts for the digest only: a channel that adds `digest` now gets no late one for an earlier day.
        since:
          existing && (existing.kinds.includes('digest') || !kinds.includes('digest'))
            ? existing.since
            : this.now().toISOString(),
      };
      if (existing) all[index] = merged;
      else all.push(merged);
      return all;
    });
    return merged;
  }

  /** Removes kinds; a subscription left with none is removed. Null when the channel had none for the target. */
  async unsubscribe(
    channel: string,
    connection: string,
    kinds: readonly SubscriptionKind[],
  ): Promise<{ removed: readonly SubscriptionKind[]; remaining: readonly SubscriptionKind[] } | null> {
    let outcome: { removed: readonly SubscriptionKind[]; remaining: readonly SubscriptionKind[] } | null =
      null;
    await this.store.modifySetting<Subscription[]>(KEYS.subscriptions, (stored) => {
      const all = [...(stored ?? [])];
      const index = all.findIndex((s) => s.channel === channel && s.target === connection);
      const existing = index >= 0 ? all[index] : undefined;
      if (!existing) return all;
      const removed = existing.kinds.filter((k) => kinds.includes(k));
      const remaining = existing.kinds.filter((k) => !kinds.includes(k));
      if (remaining.length === 0) all.splice(index, 1);
      else all[index] = { ...existing, kinds: remaining };
      outcome = { removed, remaining };
      return all;
    });
    return outcome;
  }

  /** Channels that get an incident's alert: the default channel plus `failures` subscribers. */
  async failureChannels(connection: string): Promise<string[]> {
    return this.channelsFor(connection, 'failures');
  }

  /** Channels that get a recovery reply or notice: the default channel plus `recoveries` subscribers. */
  async recoveryChannels(connection: string): Promise<string[]> {
    return this.channelsFor(connection, 'recoveries');
  }

  async digestRoute(): Promise<DigestRoute> {
    const stored = await this.store.getSetting<StoredDigest>(KEYS.digest);
    if (stored) return { channel: stored.channel, time: stored.time, since: stored.since, source: 'slack' };
    const env = this.defaults.digestChannel;
    if (!env) return { channel: null, time: this.defaults.digestTime, since: '', source: 'none' };
    // Recorded with the channel it was seen for: a different channel in the environment starts anew.
    const seen = await this.store.getSetting<{ channel: string; since: string }>(KEYS.envDigestSince);
    let since = seen?.channel === env ? seen.since : undefined;
    if (!since) {
      since = this.now().toISOString();
      await this.store.setSetting(KEYS.envDigestSince, { channel: env, since });
    }
    return { channel: { id: env, name: null }, time: this.defaults.digestTime, since, source: 'environment' };
  }

  async setDigest(channel: ChannelTarget, time: string | null, by: string): Promise<DigestRoute> {
    const current = await this.digestRoute();
    const value: StoredDigest = {
      channel,
      time: time ?? current.time,
      // A new channel or time starts counting now: no late digest for a day due before the change.
      since: this.now().toISOString(),
      by,
    };
    await this.store.setSetting(KEYS.digest, value);
    return { channel, time: value.time, since: value.since, source: 'slack' };
  }

  /** Every channel that receives the daily digest, once each, with the time it started receiving it. */
  async digestTargets(): Promise<{ time: string; targets: readonly DigestTarget[] }> {
    const route = await this.digestRoute();
    const targets = new Map<string, string>();
    if (route.channel) targets.set(route.channel.id, route.since);
    for (const s of await this.subscriptions()) {
      if (!s.kinds.includes('digest')) continue;
      const known = targets.get(s.channel);
      if (known === undefined || s.since < known) targets.set(s.channel, s.since);
    }
    return { time: route.time, targets: [...targets].map(([channel, since]) => ({ channel, since })) };
  }

  private async channelsFor(connection: string, kind: SubscriptionKind): Promise<string[]> {
    const channels = new Set<string>();
    const route = await this.alertRoute();
    if (route.kind === 'channel') channels.add(route.channel.id);
    for (const s of await this.subscriptions()) {
      if ((s.target === connection || s.target === 'all') && s.kinds.includes(kind)) channels.add(s.channel);
    }
    return [...channels];
  }
}

const ORDER: readonly SubscriptionKind[] = ['failures', 'recoveries', 'digest'];

function sortKinds(kinds: ReadonlySet<SubscriptionKind>): SubscriptionKind[] {
  return ORDER.filter((k) => kinds.has(k));
}
