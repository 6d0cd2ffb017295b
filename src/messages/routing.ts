/** Answers to `alerts`, `subscribe`, `unsubscribe`, `subscribe list` and `digest #channel`. Pure. */

import type { AlertRoute, ChannelTarget, DigestRoute, Subscription } from '../notify/routing.ts';
import type { ChannelRoutes } from '../services/alert-settings.ts';
import {
  actions,
  button,
  confirmDialog,
  context,
  type SlackMessage,
  safe,
  section,
  slackDate,
} from './blocks.ts';

export const ALERTS_OFF_ACTION = 'alerts_off_confirm';

/** `<#C…>` renders as the channel's name for every reader; ids are checked so nothing else gets through. */
export function channelMention(channel: ChannelTarget | string): string {
  const id = typeof channel === 'string' ? channel : channel.id;
  if (/^[CGD][A-Z0-9]{2,}$/.test(id)) return `<#${id}>`;
  return `#${safe(typeof channel === 'string' ? channel : (channel.name ?? id), 80)}`;
}

function kindsText(kinds: readonly string[]): string {
  return kinds.join(', ');
}

export function alertsSetMessage(channel: ChannelTarget): SlackMessage {
  return {
    text: `Failure alerts now go to #${safe(channel.name ?? channel.id, 80)}`,
    blocks: [
      section(
        `:bell: Failure alerts and recoveries of every connection now go to ${channelMention(channel)}: one message per incident, updated in place.`,
      ),
      context('Other channels can add their own with `/finsync subscribe &lt;connection|all&gt;`.'),
    ],
  };
}

export function alertsOffConfirmMessage(current: AlertRoute): SlackMessage {
  const where = current.kind === 'channel' ? channelMention(current.channel) : 'the default channel';
  return {
    text: 'Turn off the default alert channel?',
    blocks: [
      section(
        `:warning: Turning alerts off stops failure alerts to ${where}. Channels subscribed with \`/finsync subscribe\` still get theirs. Nobody else is told of a failure until alerts are turned on again.`,
      ),
      actions([
        button('Turn Off Alerts', ALERTS_OFF_ACTION, 'off', {
          style: 'danger',
          confirm: confirmDialog(
            'Turn off alerts?',
            'Failures will no longer be posted to the default alert channel.',
            'Turn Off',
          ),
        }),
      ]),
    ],
  };
}

export function alertsOffMessage(): SlackMessage {
  return {
    text: 'Default failure alerts are off',
    blocks: [
      section(
        ':no_bell: Default failure alerts are *off*. Turn them on again with `/finsync alerts #channel`; subscriptions still deliver.',
      ),
    ],
  };
}

export function subscribedMessage(subscription: Subscription): SlackMessage {
  const what = subscription.target === 'all' ? 'every connection' : `*${safe(subscription.target, 60)}*`;
  return {
    text: `This channel now receives ${kindsText(subscription.kinds)} for ${safe(subscription.target, 60)}`,
    blocks: [
      section(
        `:bell: ${channelMention(subscription.channel)} now receives *${kindsText(subscription.kinds)}* for ${what}.`,
      ),
      context('`/finsync subscribe list` shows everything this channel receives.'),
    ],
  };
}

export function unsubscribedMessage(
  target: string,
  result: { removed: readonly string[]; remaining: readonly string[] },
): SlackMessage {
  const left =
    result.remaining.length > 0
      ? ` It still receives ${kindsText(result.remaining)}.`
      : ' Nothing is left for it.';
  return {
    text: `This channel no longer receives ${kindsText(result.removed)} for ${safe(target, 60)}`,
    blocks: [
      section(`:no_bell: No more *${kindsText(result.removed)}* for *${safe(target, 60)}* here.${left}`),
    ],
  };
}

export function subscriptionListMessage(channel: string, routes: ChannelRoutes): SlackMessage {
  const lines: string[] = [];
  if (routes.isAlertChannel)
    lines.push('• *failures and recoveries of every connection* (the default alert channel)');
  if (routes.isDigestChannel && routes.digest.channel)
    lines.push(`• *the daily digest* at ${safe(routes.digest.time, 10)} (the digest channel)`);
  for (const s of routes.subscriptions) {
    lines.push(
      `• *${kindsText(s.kinds)}* for ${s.target === 'all' ? 'every connection' : `*${safe(s.target, 60)}*`}`,
    );
  }
  const head =
    lines.length === 0
      ? `${channelMention(channel)} receives nothing from finsync.`
      : `${channelMention(channel)} receives exactly this:`;
  return {
    text:
      lines.length === 0
        ? 'This channel receives nothing from finsync'
        : `This channel receives ${lines.length} kinds of finsync messages`,
    blocks: [
      section(`:clipboard: ${head}${lines.length > 0 ? `\n${lines.join('\n')}` : ''}`),
      context(
        `Default alert channel: ${alertRouteText(routes.alerts)} · Digest: ${digestRouteText(routes.digest)}`,
      ),
    ],
  };
}

export function alertRouteText(route: AlertRoute): string {
  switch (route.kind) {
    case 'channel':
      return channelMention(route.channel);
    case 'off':
      return `off (since ${slackDate(route.at)})`;
    case 'none':
      return 'not set (`/finsync alerts #channel`)';
  }
}

export function digestRouteText(route: DigestRoute): string {
  return route.channel ? `${channelMention(route.channel)} at ${safe(route.time, 10)}` : 'no channel set';
}

export function digestSetMessage(route: DigestRoute, timezone: string, nextAt: Date): SlackMessage {
  const where = route.channel ? channelMention(route.channel) : 'no channel';
  return {
    text: `The daily digest goes to #${safe(route.channel?.name ?? route.channel?.id ?? '?', 80)} at ${safe(route.time, 10)} ${safe(timezone, 60)}`,
    blocks: [
      section(
        `:newspaper: The daily digest now goes to ${where} every day at *${safe(route.time, 10)}* (${safe(timezone, 60)}), covering the day before. Next one ${slackDate(nextAt)}.`,
      ),
      context('`/finsync digest now` shows it to you at once.'),
    ],
  };
}

export function digestSharedMessage(channel: string): SlackMessage {
  return {
    text: 'Digest posted',
    blocks: [section(`:newspaper: Yesterday's digest is on its way to ${channelMention(channel)}.`)],
  };
}
