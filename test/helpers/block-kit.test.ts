import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBlockKit } from './block-kit.ts';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  text: plain(text),
  action_id: actionId,
  ...(style ? { style } : {}),
});
const option = (value: string) => ({ text: plain(value), value });

/** Asserts exactly one problem, mentioning `fragment`, so each test pins one rule. */
function assertOneProblem(problems: string[], fragment: string): void {
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.ok(problems[0]!.includes(fragment), `${problems[0]} should mention ${fragment}`);
}

test('a well-formed alert message with every block type we use has no problems', () => {
  const blocks = [
    { type: 'header', text: plain('Stripe sync failed') },
    {
      type: 'section',
      block_id: 'summary:v1',
      text: mrkdwn('*Stripe* failed'),
      accessory: button('Retry Now', 'retry'),
    },
    {
      type: 'section',
      fields: [mrkdwn('*Last success*'), mrkdwn('<!date^1700000000^{date_short_pretty}|2023-11-14>')],
    },
    { type: 'context', elements: [mrkdwn('Run 42 · 3 retries')] },
    { type: 'divider' },
    {
      type: 'actions',
      block_id: 'actions:v1',
      elements: [
        button('Retry Now', 'retry', 'primary'),
        {
          ...button('Disconnect', 'disconnect', 'danger'),
          confirm: {
            title: plain('Sure?'),
            text: mrkdwn('Really'),
            confirm: plain('Yes'),
            deny: plain('No'),
          },
        },
        {
          type: 'static_select',
          action_id: 'pick',
          placeholder: plain('Pick'),
          options: [option('a'), option('b')],
          initial_option: option('a'),
        },
        { type: 'overflow', action_id: 'more', options: [option('history'), option('mute')] },
      ],
    },
  ];
  assert.deepEqual(checkBlockKit({ text: 'Stripe sync failed', blocks }, 'message'), []);
});

test('a well-formed modal with input blocks has no problems', () => {
  const blocks = [
    {
      type: 'input',
      block_id: 'key',
      label: plain('API key'),
      hint: plain('Starts with sk_'),
      element: { type: 'plain_text_input', action_id: 'value' },
    },
    {
      type: 'input',
      block_id: 'channel',
      label: plain('Alerts'),
      optional: true,
      element: { type: 'conversations_select', action_id: 'value' },
    },
    {
      type: 'input',
      block_id: 'kinds',
      label: plain('Notify on'),
      element: { type: 'checkboxes', action_id: 'value', options: [option('failures')] },
    },
    {
      type: 'input',
      block_id: 'when',
      label: plain('Schedule'),
      element: { type: 'static_select', action_id: 'value', options: [option('hourly')] },
    },
  ];
  assert.deepEqual(
    checkBlockKit({ title: plain('Connect Stripe'), submit: plain('Connect'), blocks }, 'modal'),
    [],
  );
});

test('messages need a top-level text', () => {
  assertOneProblem(checkBlockKit({ blocks: [section('hi')] }, 'message'), 'top-level text');
  assert.deepEqual(checkBlockKit({ blocks: [section('hi')] }, 'home'), []);
});

test('block count limits: 50 per message, 100 per modal or Home tab', () => {
  const blocks = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' }));
  assert.deepEqual(checkBlockKit({ text: 't', blocks: blocks(50) }, 'message'), []);
  assertOneProblem(checkBlockKit({ text: 't', blocks: blocks(51) }, 'message'), '51 blocks > 50');
  assert.deepEqual(checkBlockKit({ blocks: blocks(100) }, 'home'), []);
  assertOneProblem(checkBlockKit({ blocks: blocks(101) }, 'modal'), '101 blocks > 100');
});

test('text limits: section 3000, field 2000, header 150, button 75, modal title 24', () => {
  const check = (block: unknown) => checkBlockKit({ blocks: [block] }, 'home');
  assert.deepEqual(check(section('a'.repeat(3000))), []);
  assertOneProblem(check(section('a'.repeat(3001))), '3001 characters > 3000');
  assertOneProblem(check({ type: 'section', fields: [mrkdwn('f'.repeat(2001))] }), '2001 characters > 2000');
  assertOneProblem(check({ type: 'header', text: plain('h'.repeat(151)) }), '151 characters > 150');
  assertOneProblem(check({ type: 'actions', elements: [button('b'.repeat(76), 'x')] }), '76 characters > 75');
  assertOneProblem(
    checkBlockKit({ title: plain('A title that is too long!'), blocks: [] }, 'modal'),
    '25 characters > 24',
  );
});

test('count limits: 10 fields per section, 25 elements per actions block', () => {
  const fields = Array.from({ length: 11 }, (_, i) => mrkdwn(`f${i}`));
  assertOneProblem(checkBlockKit({ blocks: [{ type: 'section', fields }] }, 'home'), '11 fields > 10');
  const elements = Array.from({ length: 26 }, (_, i) => button('B', `b${i}`));
  assertOneProblem(checkBlockKit({ blocks: [{ type: 'actions', elements }] }, 'home'), '26 elements > 25');
});

test('ids: action_id and block_id at most 255, block_id unique', () => {
  const longId = 'x'.repeat(256);
  assertOneProblem(
    checkBlockKit({ blocks: [{ type: 'actions', elements: [button('B', longId)] }] }, 'home'),
    'action_id',
  );
  assertOneProblem(checkBlockKit({ blocks: [{ type: 'divider', block_id: longId }] }, 'home'), 'block_id');
  const twice = [
    { type: 'divider', block_id: 'same' },
    { type: 'divider', block_id: 'same' },
  ];
  assertOneProblem(checkBlockKit({ blocks: twice }, 'home'), 'duplicate block_id same');
  assertOneProblem(
    checkBlockKit(
      { blocks: [{ type: 'actions', elements: [{ type: 'button', text: plain('B') }] }] },
      'home',
    ),
    'action_id',
  );
});

test('at most one primary button per actions block', () => {
  const elements = [button('Save', 'save', 'primary'), button('Retry', 'retry', 'primary')];
  assertOneProblem(checkBlockKit({ blocks: [{ type: 'actions', elements }] }, 'home'), '2 primary buttons');
});

test('shapes: text object types, unknown blocks, sections without content, bad selects', () => {
  assertOneProblem(
    checkBlockKit({ blocks: [{ type: 'section', text: { type: 'markdown', text: 'x' } }] }, 'home'),
    'plain_text or mrkdwn',
  );
  assertOneProblem(
    checkBlockKit({ blocks: [{ type: 'header', text: mrkdwn('x') }] }, 'home'),
    'must be plain_text',
  );
  assertOneProblem(checkBlockKit({ blocks: [{ type: 'video' }] }, 'home'), 'unsupported block type video');
  assertOneProblem(checkBlockKit({ blocks: [{ type: 'section' }] }, 'home'), 'needs text or fields');
  const select = {
    type: 'static_select',
    action_id: 's',
    options: [option('a')],
    initial_option: option('z'),
  };
  assertOneProblem(
    checkBlockKit({ blocks: [{ type: 'actions', elements: [select] }] }, 'home'),
    'not one of the options',
  );
  const input = { type: 'input', label: plain('L'), element: { type: 'datepicker', action_id: 'd' } };
  assertOneProblem(checkBlockKit({ blocks: [input] }, 'modal'), 'unsupported element datepicker');
});

test('no @channel, @here or @everyone anywhere', () => {
  for (const ping of ['<!channel>', '<!here>', '<!everyone>', '<!here|here>']) {
    assertOneProblem(checkBlockKit({ blocks: [section(`hey ${ping}`)] }, 'home'), ping);
  }
  assertOneProblem(checkBlockKit({ text: 'sync failed <!channel>' }, 'message'), '<!channel>');
});
