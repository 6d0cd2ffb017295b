/**
 * Generated inputs for the Slack fuzz test, all from one seeded PRNG so a failure reproduces with
 * FUZZ_SEED. Texts mix the /finsync grammar with unicode, control characters, very long runs and strings
 * that look like Slack markup, mrkdwn, HTML entities, SQL and paths; interaction payloads use known and
 * unknown action ids, random values, and view submissions with malformed or missing state and metadata.
 */
import { stateValue, type ViewStateValues } from '../../src/sandbox/slack-requests.ts';

/** mulberry32: small, fast, good enough to spread inputs; the same seed gives the same inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Markup the app must never pass through unescaped (it would ping, link or mention). */
export const INJECTED = [
  '<@UFUZZ0001>',
  '<#CFUZZ0001|fuzz>',
  '<!subteam^SFUZZ0001>',
  '<https://evil.example/fuzz|click here>',
  '<mailto:fuzz@evil.example|mail>',
] as const;

export const BROADCASTS = ['<!channel>', '<!here>', '<!everyone>', '<!channel|@channel>', '<!here|here>'];

const VERBS = [
  'help',
  'status',
  'connect',
  'disconnect',
  'sync',
  'schedule',
  'history',
  'alerts',
  'digest',
  'subscribe',
  'unsubscribe',
  'audit',
  'statsu',
  'SYNC',
  'Connect',
  'list',
];
const NAMES = [
  'stripe',
  'stripe-2',
  'plaid',
  'quickbooks',
  'powerbi',
  'all',
  'nope',
  'STRIPE',
  'a'.repeat(40),
];
const SCHEDULE_WORDS = [
  'hourly',
  'daily',
  '02:00',
  '25:99',
  'every',
  '5',
  '3',
  '0',
  '-1',
  'minutes',
  'hours',
  'cron',
  '"*/5 * * * *"',
  '"* * * * *"',
  '“0 2 * * *”',
  '"0 0 31 2 *"',
  '"bad cron"',
  'off',
  'at',
  'now',
  'failures',
  'recoveries',
  'digest',
  'list',
  '#finance',
  '<#C0FINANCE|finance>',
  '<#CBAD>',
  '#',
  '10',
  '9999',
  '99999',
  'NaN',
  '1e9',
];
const HOSTILE = [
  ...INJECTED,
  ...BROADCASTS,
  '@channel',
  '@here',
  '*bold*',
  '_it_',
  '~strike~',
  '`code`',
  '```block```',
  '&amp;',
  '&lt;',
  '&gt;',
  '&',
  '<',
  '>',
  '<>',
  '<script>alert(1)</script>',
  '"',
  "'",
  '“curly”',
  '‘single’',
  '"unterminated',
  "'; DROP TABLE records;--",
  '1 OR 1=1',
  "' OR ''='",
  'records/../../etc/passwd',
  '../../../../etc/shadow',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f',
  '/dev/zero',
  'C:\\Windows\\System32',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection-looking input, on purpose
  '${process.exit()}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'toString',
  'null',
  'undefined',
  '💸',
  '🏦🧾',
  'ünïcødé',
  'שלום',
  'مرحبا',
  '日本語',
  '\u202ertl',
  'zero\u200bwidth',
  'e\u0301\u0301\u0301',
  '\ufeff',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\r\n',
  '\t',
  '\u007f',
  '\u2028',
];

export type FuzzInput =
  | { readonly kind: 'command'; readonly userId: string; readonly text: string }
  | {
      readonly kind: 'action';
      readonly userId: string;
      readonly actionId: string;
      readonly value: string | undefined;
      readonly inView: boolean;
    }
  | {
      readonly kind: 'view';
      readonly userId: string;
      readonly callbackId: string;
      readonly privateMetadata: string | undefined;
      readonly values: ViewStateValues;
    }
  | { readonly kind: 'home'; readonly userId: string; readonly tab: 'home' | 'messages' };

export const KNOWN_ACTIONS = [
  'status_share',
  'home_connect',
  'home_sync',
  'home_schedule',
  'home_disconnect',
  'connect_open_link',
  'connect_open_oauth',
];
export const KNOWN_CALLBACKS = [
  'connect_submit',
  'connect_pick_provider',
  'disconnect_submit',
  'schedule_submit',
];

export function fuzzInputs(
  seed: number,
  counts: { commands: number; actions: number; views: number; homes: number },
  users: { admin: string; member: string },
) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const user = () =>
    random() < 0.45 ? users.admin : random() < 0.8 ? users.member : `U${int(1e9).toString(36).toUpperCase()}`;

  const word = (): string => {
    const r = random();
    if (r < 0.25) return pick(NAMES);
    if (r < 0.5) return pick(SCHEDULE_WORDS);
    if (r < 0.8) return pick(HOSTILE);
    if (r < 0.9) return String.fromCodePoint(...Array.from({ length: 1 + int(6) }, () => int(0x2fff)));
    return Array.from({ length: 1 + int(12) }, () => String.fromCharCode(33 + int(94))).join('');
  };
  const separator = () => pick([' ', ' ', ' ', '  ', '\t', '\n', ' \u00a0 ', '']);
  const text = (): string => {
    const r = random();
    if (r < 0.03) return '';
    if (r < 0.06) return pick(HOSTILE).repeat(1 + int(3000));
    if (r < 0.08) return `${pick(VERBS)} ${word().repeat(200 + int(3000))}`;
    const parts = random() < 0.85 ? [pick(VERBS)] : [];
    for (let i = int(6); i > 0; i--) parts.push(word());
    return parts.map((p) => p + separator()).join('');
  };

  const metadata = (): string | undefined => {
    const r = random();
    if (r < 0.1) return undefined;
    if (r < 0.3) return pick(['', '{', 'null', '[]', '"x"', '123', 'true', '{"provider":', 'not json', '{}']);
    const fields: Record<string, unknown> = {};
    if (random() < 0.7)
      fields['provider'] = pick([...NAMES, 'stripe', 'powerbi', 'plaid', 'quickbooks', word()]);
    if (random() < 0.7) fields['connection'] = random() < 0.5 ? pick(NAMES) : word();
    if (random() < 0.3) fields['channelId'] = pick([null, 'C0GENERAL', 42, word()]);
    if (random() < 0.1) fields['provider'] = pick([null, 7, ['stripe'], { id: 'stripe' }]);
    return JSON.stringify(fields);
  };
  const stateText = () => (random() < 0.15 ? null : random() < 0.5 ? word() : text().slice(0, 3000));
  const values = (): ViewStateValues => {
    const out: ViewStateValues = {};
    const blocks = [
      'connection_name',
      'cred_api_key',
      'cred_webhook_secret',
      'cred_backfill_from',
      'cred_public_token',
      'cred_tenant_id',
      'cred_client_id',
      'cred_client_secret',
      'cred_workspace_id',
      'schedule',
      'provider',
      'delete_records',
      word(),
    ];
    for (const block of blocks) {
      if (random() < 0.35) continue;
      const r = random();
      if (block === 'provider' && r < 0.7)
        out[block] = { value: stateValue.select(random() < 0.8 ? pick(NAMES) : word()) };
      else if (block === 'delete_records' && r < 0.7)
        out[block] = { value: stateValue.checkboxes(random() < 0.5 ? ['delete'] : [word()]) };
      else if (r < 0.85) out[block] = { value: stateValue.text(stateText()) };
      else if (r < 0.92) out[block] = { [word()]: { type: 'plain_text_input', value: word() } };
      else out[block] = { value: { type: pick(['static_select', 'checkboxes', 'datepicker']) } };
    }
    return out;
  };

  const inputs: FuzzInput[] = [];
  for (let i = 0; i < counts.commands; i++) inputs.push({ kind: 'command', userId: user(), text: text() });
  for (let i = 0; i < counts.actions; i++) {
    const known = random() < 0.85;
    inputs.push({
      kind: 'action',
      userId: user(),
      actionId: known ? pick(KNOWN_ACTIONS) : `fuzz_${word()}`.slice(0, 255),
      value: random() < 0.1 ? undefined : random() < 0.5 ? pick(NAMES) : word().slice(0, 2000),
      inView: random() < 0.5,
    });
  }
  for (let i = 0; i < counts.views; i++)
    inputs.push({
      kind: 'view',
      userId: user(),
      callbackId: pick(KNOWN_CALLBACKS),
      privateMetadata: metadata(),
      values: values(),
    });
  for (let i = 0; i < counts.homes; i++)
    inputs.push({ kind: 'home', userId: user(), tab: random() < 0.85 ? 'home' : 'messages' });
  // Interleave kinds so state changes (connect, disconnect, schedule) happen among the commands.
  for (let i = inputs.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [inputs[i], inputs[j]] = [inputs[j]!, inputs[i]!];
  }
  return inputs;
}

/** A short, printable description of an input for failure messages. */
export function describeInput(index: number, input: FuzzInput): string {
  const json = JSON.stringify(input);
  return `#${index} ${json.length > 400 ? `${json.slice(0, 400)}… (${json.length} chars)` : json}`;
}
