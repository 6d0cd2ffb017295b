import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buttonsIn, mrkdwnToPlain, renderBlocks, renderView, wrap } from '../../src/sandbox/render-blocks.ts';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

test('mrkdwn becomes plain text: dates, channels, users, links, entities', () => {
  assert.equal(
    mrkdwnToPlain(
      'Failed <!date^1769850000^{date_short_pretty} {time}|2026-01-31 09:00 UTC> in <#C1|finance>',
    ),
    'Failed 2026-01-31 09:00 UTC in #finance',
  );
  assert.equal(mrkdwnToPlain('<@U1> and <#C2>'), '@U1 and #C2');
  assert.equal(
    mrkdwnToPlain('See <https://stripe.com/x|the dashboard>'),
    'See the dashboard (https://stripe.com/x)',
  );
  assert.equal(mrkdwnToPlain('<https://example.com>'), 'https://example.com');
  assert.equal(mrkdwnToPlain('Smith &amp; Co &lt;b&gt; &amp;lt;'), 'Smith & Co <b> &lt;');
});

test('mrkdwn shows names for ids, bold as plain text (or ANSI bold), emoji as characters', () => {
  const names = {
    channel: (id: string) => (id === 'C0FINANCE1' ? 'finance' : undefined),
    user: (id: string) => (id === 'USANDBOX01' ? 'sandbox-user' : undefined),
  };
  assert.equal(
    mrkdwnToPlain(':white_check_mark: *Stripe* synced for <@USANDBOX01> in <#C0FINANCE1>', { names }),
    '✅ Stripe synced for @sandbox-user in #finance',
  );
  assert.equal(mrkdwnToPlain('*Bold*', { color: true }), '\x1b[1mBold\x1b[22m');
  assert.equal(mrkdwnToPlain('2*3 = 6 and a*b*c'), '2*3 = 6 and a*b*c', 'no bold inside words');
  assert.equal(mrkdwnToPlain(':not_an_emoji_we_know:'), ':not_an_emoji_we_know:');
});

test('no internal ids are shown; buttonsIn lists what a click by label presses', () => {
  const blocks = [
    {
      type: 'section',
      text: mrkdwn('x'),
      accessory: { type: 'button', text: plain('Open'), action_id: 'a1', url: 'http://h/p' },
    },
    {
      type: 'actions',
      elements: [{ type: 'button', text: plain('Sync Now'), action_id: 'sync_now', value: 'stripe' }],
    },
  ];
  const text = renderBlocks(blocks);
  assert.ok(!text.includes('‹'), text);
  assert.ok(text.includes('[ Sync Now ]'));
  assert.deepEqual(buttonsIn(blocks), [
    { label: 'Open', actionId: 'a1', value: '', url: 'http://h/p' },
    { label: 'Sync Now', actionId: 'sync_now', value: 'stripe' },
  ]);
});

test('an alert message renders header, section, fields, context and buttons by label', () => {
  const text = renderBlocks(
    [
      { type: 'header', text: plain('Stripe sync failed') },
      { type: 'section', text: mrkdwn('*Stripe* could not sync: API key refused &amp; revoked') },
      { type: 'section', fields: [mrkdwn('*Last success*\n2 h ago'), mrkdwn('*Next run*\n09:00')] },
      { type: 'context', elements: [mrkdwn('Run 42'), mrkdwn('3 retries')] },
      { type: 'divider' },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: plain('Retry Now'), action_id: 'retry_sync', style: 'primary' },
          { type: 'button', text: plain('Open Logs'), action_id: 'open_logs' },
          { type: 'button', text: plain('Disconnect'), action_id: 'disconnect', style: 'danger' },
        ],
      },
    ],
    60,
  );
  const lines = text.split('\n');
  assert.equal(lines[0], 'STRIPE SYNC FAILED');
  assert.equal(lines[1], '═'.repeat('STRIPE SYNC FAILED'.length));
  assert.equal(lines[2], 'Stripe could not sync: API key refused & revoked');
  assert.match(lines[3]!, /^Last success {2,}Next run$/);
  assert.match(lines[4]!, /^2 h ago {2,}09:00$/);
  // Right column starts in the same place on every row.
  assert.equal(lines[3]!.indexOf('Next'), lines[4]!.indexOf('09:00'));
  assert.equal(lines[5], '  ┆ Run 42 · 3 retries');
  assert.equal(lines[6], '─'.repeat(60));
  // Buttons that do not fit in the width move to the next line.
  assert.equal(lines[7], '[[ Retry Now ]]  [ Open Logs ]  [! Disconnect ]');
  assert.ok(!text.includes('\x1b['), 'no ANSI escapes unless asked');
});

test('color dims context and bolds headers; long lines wrap to the width', () => {
  const colored = renderBlocks(
    [
      { type: 'header', text: plain('Hi') },
      { type: 'context', elements: [mrkdwn('note')] },
    ],
    40,
    {
      color: true,
    },
  );
  assert.ok(colored.includes('\x1b[1mHI\x1b[22m'));
  assert.ok(colored.includes('\x1b[2m  ┆ note\x1b[22m'));
  const long = renderBlocks([{ type: 'section', text: mrkdwn('word '.repeat(40).trim()) }], 30);
  for (const line of long.split('\n')) assert.ok(line.length <= 30, line);
  assert.deepEqual(wrap('a\nbb', 10), ['a', 'bb']);
});

test('inputs render as Label: ____ (hint), optional ones marked, without ids', () => {
  const text = renderBlocks([
    {
      type: 'input',
      block_id: 'api_key',
      label: plain('API key'),
      hint: plain('Starts with sk_'),
      element: { type: 'plain_text_input', action_id: 'value' },
    },
    {
      type: 'input',
      block_id: 'schedule',
      label: plain('Schedule'),
      optional: true,
      element: {
        type: 'static_select',
        action_id: 'value',
        options: [{ text: plain('Hourly'), value: 'h' }],
      },
    },
  ]);
  const [key, schedule] = text.split('\n');
  assert.equal(key, 'API key: ____ (Starts with sk_)');
  assert.equal(schedule, 'Schedule (optional): [ Select ▾ Hourly ]');
});

test('renderView shows the modal title, blocks and close/submit', () => {
  const text = renderView(
    {
      type: 'modal',
      callback_id: 'connect_stripe',
      title: plain('Connect Stripe'),
      submit: plain('Connect'),
      close: plain('Cancel'),
      blocks: [{ type: 'section', text: mrkdwn('Paste a restricted key.') }],
    },
    50,
  );
  const lines = text.split('\n');
  assert.match(lines[0]!, /^┌─ Connect Stripe ─+$/);
  assert.equal(lines[0]!.length, 50);
  assert.equal(lines[1], 'Paste a restricted key.');
  assert.equal(lines[2], '└─ [ Cancel ]  [[ Connect ]]');
  assert.match(renderView({ type: 'home', blocks: [] }, 40), /^┌─ Home tab/);
});
