/**
 * The routing answers (`alerts`, `subscribe`, `subscribe list`, `digest #channel`): within Block Kit's limits,
 * and every `<` in their mrkdwn opens a token finsync meant (a channel, a date) — a usage such as
 * `<connection|all>` written raw would render as a link.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlackMessage } from '../../src/messages/blocks.ts';
import {
  alertsOffConfirmMessage,
  alertsOffMessage,
  alertsSetMessage,
  channelMention,
  digestSetMessage,
  digestSharedMessage,
  subscribedMessage,
  subscriptionListMessage,
  unsubscribedMessage,
} from '../../src/messages/routing.ts';
import type { ChannelRoutes } from '../../src/services/alert-settings.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

const ALLOWED = /^<(#[CGD][A-Z0-9]+|!date\^\d+\^[^|>]+\|[^>]+)>/;

function strayMarkup(message: SlackMessage): string[] {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const node = value as Record<string, unknown>;
      if (node['type'] === 'mrkdwn' && typeof node['text'] === 'string') texts.push(node['text']);
      Object.values(node).forEach(walk);
    }
  };
  walk(message.blocks);
  const stray: string[] = [];
  for (const text of texts)
    for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1))
      if (!ALLOWED.test(text.slice(i))) stray.push(text.slice(i, i + 30));
  return stray;
}

const channel = { id: 'C0FINANCE1', name: 'finance' };
const subscription = {
  channel: 'C0FINANCE1',
  channelName: 'finance',
  target: '<!channel>&x',
  kinds: ['failures', 'digest'] as const,
  by: 'U1',
  since: '2026-03-01T00:00:00.000Z',
};
const routes: ChannelRoutes = {
  alerts: { kind: 'off', by: 'U1', at: '2026-03-01T00:00:00.000Z' },
  digest: { channel, time: '08:00', since: '2026-03-01T00:00:00.000Z', source: 'slack' },
  subscriptions: [subscription],
  isAlertChannel: false,
  isDigestChannel: true,
};

test('routing answers stay within limits and carry no markup finsync did not mean', () => {
  const messages: [string, SlackMessage][] = [
    ['alerts set', alertsSetMessage(channel)],
    ['alerts off confirm', alertsOffConfirmMessage({ kind: 'channel', channel, source: 'slack' })],
    ['alerts off', alertsOffMessage()],
    ['subscribed', subscribedMessage(subscription)],
    ['unsubscribed', unsubscribedMessage('<x|y>', { removed: ['digest'], remaining: ['failures'] })],
    ['list', subscriptionListMessage('C0FINANCE1', routes)],
    ['digest set', digestSetMessage(routes.digest, 'Europe/Berlin', new Date('2026-03-02T07:00:00Z'))],
    ['digest shared', digestSharedMessage('C0FINANCE1')],
  ];
  for (const [name, message] of messages) {
    assert.deepEqual(checkBlockKit(message, 'message'), [], name);
    assert.deepEqual(strayMarkup(message), [], name);
    assert.ok(message.text.length > 0, name);
  }
});

test('a channel is mentioned by id only when it is one; anything else is escaped text', () => {
  assert.equal(channelMention('C0FINANCE1'), '<#C0FINANCE1>');
  assert.equal(channelMention({ id: '<!here>', name: '<!here>' }), '#&lt;!here&gt;');
});
