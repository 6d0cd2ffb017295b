import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Incident, Snooze } from '../../src/incidents/types.ts';
import {
  alertMessage,
  escalationReply,
  failureReply,
  parseIncidentButtonValue,
  recoveryNotice,
  recoveryReply,
  snoozeExpiredReply,
  snoozeModal,
} from '../../src/messages/alert.ts';
import type { SlackMessage } from '../../src/messages/blocks.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

const OWNER = 'UOWNER0001';
const FAILING_SINCE = '2026-03-08T09:00:00.000Z';
const LAST_SUCCESS = '2026-03-08T08:00:00.000Z';
const RESOLVED_AT = '2026-03-08T11:30:00.000Z';
const NASTY_CONNECTION = '<!channel> & <x|y>';

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 42,
    connection: 'stripe-eu',
    provider: 'stripe',
    providerName: 'Stripe',
    state: 'open',
    errorClass: 'transient',
    errorMessage: 'Stripe API returned 503 Service Unavailable',
    failingSince: FAILING_SINCE,
    failedRuns: 3,
    lastFailureAt: '2026-03-08T09:40:00.000Z',
    lastSuccessAt: LAST_SUCCESS,
    alertedAt: '2026-03-08T09:20:00.000Z',
    version: 2,
    snooze: null,
    snoozesExpired: 0,
    escalatedAt: null,
    resolvedAt: null,
    owner: OWNER,
    channels: ['CALERTS01'],
    ...overrides,
  };
}

function snooze(overrides: Partial<Snooze> = {}): Snooze {
  return {
    choice: '4h',
    until: '2026-03-08T14:00:00.000Z',
    by: 'UANA000001',
    byName: 'Ana',
    at: '2026-03-08T10:00:00.000Z',
    ...overrides,
  };
}

/** The rendered blocks as plain JSON data, the way Slack receives them. */
interface RenderedText {
  readonly type: string;
  readonly text: string;
}
interface RenderedElement {
  readonly type: string;
  readonly text?: RenderedText;
  readonly style?: string;
  readonly value?: string;
  readonly action_id?: string;
}
interface RenderedBlock {
  readonly type: string;
  readonly block_id?: string;
  readonly text?: RenderedText;
  readonly fields?: readonly RenderedText[];
  readonly elements?: readonly RenderedElement[];
}

function rendered(message: SlackMessage): RenderedBlock[] {
  return JSON.parse(JSON.stringify(message.blocks)) as RenderedBlock[];
}

function sectionTexts(message: SlackMessage): string[] {
  return rendered(message)
    .filter((b) => b.type === 'section' && b.text)
    .map((b) => b.text!.text);
}

function contextTexts(message: SlackMessage): string[] {
  return rendered(message)
    .filter((b) => b.type === 'context')
    .flatMap((b) => (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : '')));
}

function actionsBlocks(message: SlackMessage): RenderedBlock[] {
  return rendered(message).filter((b) => b.type === 'actions');
}

/** The error as quoted in the parent: the line after the status, starting with `>`. */
function quotedError(message: SlackMessage): string {
  const quoted = sectionTexts(message).find((t) => t.includes('\n>'));
  assert.ok(quoted, 'the parent quotes the error');
  return quoted.slice(quoted.indexOf('\n>') + 2);
}

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const DATE_TOKEN = /<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC>/;
const ANY_DATE_TOKEN = /<!date[^>]*>/g;
const BROADCASTS = ['<!channel>', '<!here>', '<!everyone>'];

/** Every `&` is the start of one of the three entities escaping introduces. */
function assertAmpersandsEscaped(json: string): void {
  const bare = json.match(/&(?!amp;|lt;|gt;)/g) ?? [];
  assert.equal(bare.length, 0, `unescaped & in ${json}`);
}

describe('incident alert parent message', () => {
  test('an open incident names the provider, lists the facts in a fixed order and passes Block Kit', () => {
    const message = alertMessage(incident());
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const blocks = rendered(message);
    assert.equal(blocks[0]?.type, 'header');
    assert.equal(blocks[0]?.text?.text, 'Stripe sync failed');
    const fieldBlock = blocks.find((b) => b.fields);
    assert.ok(fieldBlock?.fields);
    const labels = fieldBlock.fields.map((f) => /^\*([^*]+)\*\n/.exec(f.text)?.[1]);
    assert.deepEqual(labels, ['Provider', 'Connection', 'Error class', 'Failing since', 'Last success']);
    const values = fieldBlock.fields.map((f) => f.text.slice(f.text.indexOf('\n') + 1));
    assert.equal(values[0], 'Stripe');
    assert.equal(values[1], 'stripe-eu');
    assert.match(values[2]!, /transient/);
    assert.equal(DATE_TOKEN.exec(values[3]!)?.[1], String(unix(FAILING_SINCE)));
    assert.equal(DATE_TOKEN.exec(values[4]!)?.[1], String(unix(LAST_SUCCESS)));
  });

  test('an incident that never succeeded shows Last success as Never', () => {
    const message = alertMessage(incident({ lastSuccessAt: null }));
    const fieldBlock = rendered(message).find((b) => b.fields);
    assert.equal(fieldBlock?.fields?.[4]?.text, '*Last success*\nNever');
  });

  test('the parent says what to do, and an auth failure says Reconnect', () => {
    const auth = sectionTexts(alertMessage(incident({ errorClass: 'auth' }))).filter((t) =>
      t.startsWith('*What to do:*'),
    );
    assert.equal(auth.length, 1);
    assert.match(auth[0]!, /Reconnect/);
    assert.match(auth[0]!, /`\/finsync reconnect stripe-eu`/, 'the reconnect command, for this connection');
    assert.doesNotMatch(auth[0]!, /\/finsync connect/);
    const buttons = (m: ReturnType<typeof alertMessage>) =>
      JSON.stringify(m.blocks).match(/"action_id":"incident_\w+"/g) ?? [];
    assert.deepEqual(buttons(alertMessage(incident({ errorClass: 'auth' }))), [
      '"action_id":"incident_reconnect"',
      '"action_id":"incident_retry"',
      '"action_id":"incident_snooze"',
      '"action_id":"incident_history"',
    ]);
    assert.deepEqual(checkBlockKit(alertMessage(incident({ errorClass: 'auth' })), 'message'), []);

    const transient = sectionTexts(alertMessage(incident({ errorClass: 'transient' }))).filter((t) =>
      t.startsWith('*What to do:*'),
    );
    assert.equal(transient.length, 1);
    assert.doesNotMatch(transient[0]!, /Reconnect/);
    assert.doesNotMatch(
      JSON.stringify(alertMessage(incident({ errorClass: 'transient' }))),
      /incident_reconnect/,
    );
  });

  test('an unknown error class still gets advice quoting the incident id', () => {
    const message = alertMessage(incident({ errorClass: 'mystery' }));
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const todo = sectionTexts(message).find((t) => t.startsWith('*What to do:*'));
    assert.match(todo ?? '', /#42\b/);
  });

  test('an open incident has exactly Retry Now (the only primary), Snooze and View History', () => {
    const message = alertMessage(incident());
    const all = actionsBlocks(message);
    assert.equal(all.length, 1);
    const buttons = all[0]!.elements ?? [];
    assert.deepEqual(
      buttons.map((b) => [b.type, b.text?.text]),
      [
        ['button', 'Retry Now'],
        ['button', 'Snooze'],
        ['button', 'View History'],
      ],
    );
    assert.equal(buttons[0]!.style, 'primary');
    assert.deepEqual(
      buttons.map((b) => b.style),
      ['primary', undefined, undefined],
    );
    assert.equal(new Set(buttons.map((b) => b.action_id)).size, 3, 'each button routes to its own handler');
  });

  test('the actions block_id carries the id and version and changes with the version', () => {
    const blockId = (id: number, version: number) =>
      actionsBlocks(alertMessage(incident({ id, version })))[0]?.block_id ?? '';
    const v7 = blockId(42, 7);
    const v8 = blockId(42, 8);
    assert.match(v7, /\b42\b/);
    assert.match(v7, /7/);
    assert.match(v8, /\b42\b/);
    assert.match(v8, /8/);
    assert.notEqual(v7, v8, 'a click on the previous version is recognisable');
    assert.notEqual(v7, blockId(43, 7));
  });

  test('every button value parses back to the incident id and version', () => {
    const message = alertMessage(incident({ id: 987654, version: 17 }));
    const buttons = actionsBlocks(message)[0]?.elements ?? [];
    assert.equal(buttons.length, 3);
    for (const button of buttons) {
      assert.deepEqual(parseIncidentButtonValue(button.value), { id: 987654, version: 17 });
    }
  });

  test('a context line names the incident id', () => {
    const contexts = contextTexts(alertMessage(incident({ id: 42 })));
    assert.ok(
      contexts.some((t) => /#42\b/.test(t)),
      `no context with #42 in ${JSON.stringify(contexts)}`,
    );
  });

  test('the top-level text states provider, connection, failing since and run count without date tokens', () => {
    const { text } = alertMessage(incident({ failedRuns: 3 }));
    assert.match(text, /Stripe/);
    assert.match(text, /stripe-eu/);
    assert.match(text, /failing since 2026-03-08 09:00 UTC/);
    assert.match(text, /3 failed runs/);
    assert.doesNotMatch(text, /<!date/);
    assert.match(alertMessage(incident({ failedRuns: 1 })).text, /\b1 failed run\b(?!s)/);
  });

  test('every time in the blocks is a Slack date token with a UTC fallback', () => {
    const message = alertMessage(incident({ snooze: snooze() }));
    const json = JSON.stringify(message.blocks);
    const tokens = json.match(ANY_DATE_TOKEN) ?? [];
    assert.ok(tokens.length >= 3, `expected date tokens in ${json}`);
    for (const token of tokens) {
      const match = DATE_TOKEN.exec(token);
      assert.ok(match, `malformed date token ${token}`);
      const fallback = `${new Date(Number(match[1]) * 1000).toISOString().slice(0, 16).replace('T', ' ')}`;
      assert.equal(match[2], fallback, 'the fallback is the same instant in UTC');
    }
    const stamps = new Set(tokens.map((t) => Number(DATE_TOKEN.exec(t)?.[1])));
    for (const iso of [FAILING_SINCE, LAST_SUCCESS, '2026-03-08T14:00:00.000Z']) {
      assert.ok(stamps.has(unix(iso)), `${iso} is shown as a token`);
    }
    assert.doesNotMatch(json, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, 'no raw ISO instants');
  });

  test('a snoozed incident says who snoozed it and until when, without pinging them', () => {
    const message = alertMessage(incident({ snooze: snooze() }));
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const line = sectionTexts(message).find((t) => t.includes('Snoozed'));
    assert.ok(line);
    assert.match(line.replace(/\*/g, ''), /Snoozed by Ana until <!date\^\d+\^/);
    assert.equal(DATE_TOKEN.exec(line)?.[1], String(unix('2026-03-08T14:00:00.000Z')));
    assert.doesNotMatch(JSON.stringify(message), /<@/);
    assert.match(message.text, /snoozed/i);
    assert.equal(actionsBlocks(message).length, 1, 'a snoozed incident is still actionable');
  });

  test('a snooze until resolved says so', () => {
    const message = alertMessage(incident({ snooze: snooze({ choice: 'until_resolved', until: null }) }));
    const line = sectionTexts(message).find((t) => t.includes('Snoozed'));
    assert.ok(line);
    assert.match(line.replace(/\*/g, ''), /Snoozed by Ana until it is resolved/);
  });

  test('a resolved incident has no buttons, a Resolved context line and text starting with Resolved', () => {
    const message = alertMessage(incident({ state: 'resolved', resolvedAt: RESOLVED_AT }));
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    assert.equal(actionsBlocks(message).length, 0);
    const json = JSON.stringify(message);
    assert.doesNotMatch(json, /"type":"button"/);
    assert.doesNotMatch(json, /incident_(retry|snooze|history)/);
    const contexts = contextTexts(message);
    const resolved = contexts.find((t) => t.includes('Resolved ·'));
    assert.ok(resolved, `no "Resolved ·" context in ${JSON.stringify(contexts)}`);
    assert.equal(DATE_TOKEN.exec(resolved)?.[1], String(unix(RESOLVED_AT)));
    assert.match(message.text, /^Resolved\b/);
    assert.doesNotMatch(message.text, /<!date/);
    assert.ok(!sectionTexts(message).some((t) => t.startsWith('*What to do:*')), 'no advice once resolved');
  });
});

describe('incident alert escaping, clipping and masking', () => {
  test('a connection name with a broadcast and link syntax is escaped everywhere', () => {
    const message = alertMessage(incident({ connection: NASTY_CONNECTION, errorClass: 'auth' }));
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const json = JSON.stringify(message);
    for (const token of [...BROADCASTS, '<x|y>']) assert.ok(!json.includes(token), `raw ${token} in ${json}`);
    assert.ok(json.includes('&lt;!channel&gt; &amp; &lt;x|y&gt;'), 'the name is shown escaped');
    assertAmpersandsEscaped(json);
  });

  test('a provider name with a user mention is never rendered raw', () => {
    const message = alertMessage(incident({ providerName: '<@U123> Stripe', connection: NASTY_CONNECTION }));
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const json = JSON.stringify(message);
    for (const token of [...BROADCASTS, '<@U123>'])
      assert.ok(!json.includes(token), `raw ${token} in ${json}`);
    assertAmpersandsEscaped(json);
  });

  test('a 10,000-character error renders within limits, on one quoted line, clipped with an ellipsis', () => {
    const chunk = 'Upstream said <html> & <body>\nretry\n';
    const huge = chunk.repeat(Math.ceil(10_000 / chunk.length)).slice(0, 10_000);
    const message = alertMessage(incident({ errorMessage: huge }));
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    for (const text of sectionTexts(message))
      assert.ok(text.length <= 3000, `section of ${text.length} chars`);
    const quote = quotedError(message);
    assert.ok(!quote.includes('\n'), 'a newline would end the quote');
    assert.ok(quote.endsWith('…'), 'clipped with an ellipsis');
    assert.ok(quote.length < huge.length);
    assert.ok(quote.startsWith('Upstream said &lt;html&gt; &amp; &lt;body&gt; retry'));
    assert.ok(!/[<>]/.test(quote), 'no raw angle brackets from the provider');
    assertAmpersandsEscaped(quote);
    assertAmpersandsEscaped(JSON.stringify(failureReply(incident({ errorMessage: huge }))));
    assert.deepEqual(checkBlockKit(failureReply(incident({ errorMessage: huge })), 'message'), []);
  });

  test('an error clipped in the middle of an emoji does not leave half a character', () => {
    const message = alertMessage(incident({ errorMessage: `${'a'.repeat(598)}😀 and more after the cut` }));
    const quote = quotedError(message);
    assert.ok(quote.endsWith('…'));
    assert.doesNotMatch(quote, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  test('card, account and IBAN numbers in an error show only their last 4, in the parent and replies', () => {
    const errorMessage =
      'Payout failed for card 4242 4242 4242 4242, account 000123456789 and IBAN DE89 3704 0044 0532 0130 00';
    const open = incident({ errorMessage });
    for (const message of [alertMessage(open), failureReply(open)]) {
      const json = JSON.stringify(message);
      for (const full of [
        '4242 4242 4242 4242',
        '4242424242424242',
        '000123456789',
        '123456789',
        'DE89 3704 0044 0532 0130 00',
        'DE89370400440532013000',
        '3704',
      ]) {
        assert.ok(!json.includes(full), `${full} leaked in ${json}`);
      }
      for (const shown of ['••••4242', '••••6789', '••••3000'])
        assert.ok(json.includes(shown), `${shown} missing`);
    }
  });
});

describe('incident thread replies', () => {
  const open = incident({ failedRuns: 5, lastFailureAt: '2026-03-08T10:30:00.000Z' });
  const resolved = incident({ state: 'resolved', resolvedAt: RESOLVED_AT });
  const replies: [string, SlackMessage, boolean][] = [
    ['failureReply', failureReply(open), true],
    ['escalationReply (owner)', escalationReply(open, OWNER), false],
    ['escalationReply (no owner)', escalationReply(open, null), true],
    ['recoveryReply', recoveryReply(resolved), true],
    ['recoveryNotice', recoveryNotice(resolved), true],
    ['snoozeExpiredReply', snoozeExpiredReply(open, snooze()), true],
  ];

  for (const [name, message, routine] of replies) {
    test(`${name} has a meaningful text, passes Block Kit and never broadcasts`, () => {
      assert.ok(message.text.trim().length > 0);
      assert.match(message.text, /stripe-eu/);
      assert.doesNotMatch(message.text, /<!date/);
      assert.deepEqual(checkBlockKit(message, 'message'), []);
      const json = JSON.stringify(message);
      for (const token of BROADCASTS) assert.ok(!json.includes(token), `${token} in ${json}`);
      if (routine) assert.doesNotMatch(json, /<@/, 'routine updates mention nobody');
    });
  }

  test('the escalation mentions the owner exactly once', () => {
    const json = JSON.stringify(escalationReply(open, OWNER));
    assert.equal(json.split(`<@${OWNER}>`).length - 1, 1);
    assert.equal(json.split('<@').length - 1, 1, 'nobody else is mentioned');
  });

  test('an escalation without an owner addresses an admin and mentions nobody', () => {
    const message = escalationReply(open, null);
    assert.match(sectionTexts(message).join('\n'), /admin/i);
    assert.doesNotMatch(JSON.stringify(message), /<@/);
  });

  test('replies state the run count and the recovery says Recovered', () => {
    assert.match(failureReply(open).text, /5 failed runs/);
    assert.match(escalationReply(open, OWNER).text, /5 failed runs/);
    assert.match(snoozeExpiredReply(open, snooze()).text, /still failing/);
    assert.match(sectionTexts(recoveryReply(resolved)).join('\n'), /Recovered/);
    assert.match(contextTexts(recoveryNotice(resolved)).join('\n'), /#42\b/);
  });

  test('replies escape a hostile connection name', () => {
    const nasty = incident({ connection: NASTY_CONNECTION, state: 'resolved', resolvedAt: RESOLVED_AT });
    for (const message of [
      failureReply(nasty),
      escalationReply(nasty, OWNER),
      recoveryReply(nasty),
      recoveryNotice(nasty),
      snoozeExpiredReply(nasty, snooze({ byName: '<!here> Ana' })),
    ]) {
      const json = JSON.stringify(message);
      assert.deepEqual(checkBlockKit(message, 'message'), []);
      for (const token of [...BROADCASTS, '<x|y>'])
        assert.ok(!json.includes(token), `raw ${token} in ${json}`);
      assertAmpersandsEscaped(json);
    }
  });

  test('the recovery notice text does not carry a raw mention from the provider name', () => {
    const message = recoveryNotice(
      incident({ providerName: '<@U123> Stripe', state: 'resolved', resolvedAt: RESOLVED_AT }),
    );
    assert.doesNotMatch(JSON.stringify(message), /<@/);
  });
});

describe('snooze modal', () => {
  const modal = snoozeModal(incident({ id: 42, version: 7 }), 'Europe/Berlin');

  test('passes Block Kit as a modal with a short title', () => {
    assert.deepEqual(checkBlockKit(modal, 'modal'), []);
    assert.ok(modal.title.text.length > 0 && modal.title.text.length <= 24);
    assert.ok(modal.callback_id);
  });

  test('private_metadata parses back to the incident id and version', () => {
    const metadata = JSON.parse(modal.private_metadata ?? '') as { incident?: unknown };
    assert.equal(metadata.incident, '42:7');
    assert.deepEqual(parseIncidentButtonValue(metadata.incident), { id: 42, version: 7 });
  });

  test('offers four radio options: 1h, 4h, tomorrow_9 and until_resolved', () => {
    const blocks = JSON.parse(JSON.stringify(modal.blocks)) as {
      type: string;
      element?: {
        type: string;
        action_id?: string;
        options?: { value: string; text: { type: string; text: string } }[];
        initial_option?: { value: string };
      };
    }[];
    const inputs = blocks.filter((b) => b.type === 'input');
    assert.equal(inputs.length, 1);
    const element = inputs[0]!.element;
    assert.equal(element?.type, 'radio_buttons');
    assert.ok(element.action_id);
    const options = element.options ?? [];
    assert.deepEqual(
      options.map((o) => o.value),
      ['1h', '4h', 'tomorrow_9', 'until_resolved'],
    );
    // Slack's radio_buttons limits: ≤ 10 options, text ≤ 75, value ≤ 150, initial one of the options.
    for (const option of options) {
      assert.ok(option.text.text.length > 0 && option.text.text.length <= 75);
      assert.ok(option.value.length <= 150);
    }
    assert.ok(options.some((o) => o.value === element.initial_option?.value));
    assert.match(options[2]!.text.text, /Europe\/Berlin/);
  });
});
