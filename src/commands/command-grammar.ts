/**
 * The /finsync grammar (CONVENTIONS.md), parsed by a pure function. Every failure carries the usage of the
 * nearest command and, for unknown words, a "did you mean" suggestion, so a person always gets an answer.
 */

import type { SubscriptionKind } from '../notify/routing.ts';
import { hasCurrencySymbol, isCurrencyCode, parsePaymentAmount } from './payment-amount.ts';
export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly example: string;
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'help', usage: 'help', summary: 'List every command with an example', example: '/finsync help' },
  {
    name: 'status',
    usage: 'status',
    summary: 'Health of every connection, worst first',
    example: '/finsync status',
  },
  {
    name: 'connect',
    usage: 'connect <provider>',
    summary: 'Connect a system (opens a form)',
    example: '/finsync connect stripe',
  },
  {
    name: 'reconnect',
    usage: 'reconnect <connection>',
    summary: 'Give a connection new credentials of the same account, keeping its history',
    example: '/finsync reconnect stripe',
  },
  {
    name: 'disconnect',
    usage: 'disconnect <connection>',
    summary: 'Remove a connection and its credentials',
    example: '/finsync disconnect stripe',
  },
  { name: 'sync', usage: 'sync <connection|all>', summary: 'Sync now', example: '/finsync sync stripe' },
  {
    name: 'cash',
    usage: 'cash [today|yesterday|week|month|YYYY-MM-DD[..YYYY-MM-DD]]',
    summary: 'Money in, out and net per system and currency, and balances (default: today so far)',
    example: '/finsync cash yesterday',
  },
  {
    name: 'request',
    usage: 'request <amount> <currency> <description…> [via <connection>]',
    summary:
      'Ask for a payment through a Stripe Payment Link (admins by default; a second admin approves above the limit)',
    example: '/finsync request 1,250.00 EUR Invoice 42 for Acme',
  },
  {
    name: 'requests',
    usage: 'requests [open|paid|all]',
    summary: 'Payment requests and their state (default: open)',
    example: '/finsync requests paid',
  },
  {
    name: 'schedule',
    usage: 'schedule <connection> <hourly | daily HH:MM | every N minutes|hours | cron "<expr>" | off>',
    summary: 'Sync on a schedule, in the team timezone',
    example: '/finsync schedule stripe daily 02:00',
  },
  {
    name: 'history',
    usage: 'history <connection> [N]',
    summary: 'The last N sync runs (default 10)',
    example: '/finsync history stripe 5',
  },
  {
    name: 'alerts',
    usage: 'alerts <#channel|off>',
    summary: 'Where failure alerts go',
    example: '/finsync alerts #finance-alerts',
  },
  {
    name: 'digest',
    usage: 'digest <#channel> [at HH:MM] | digest now [#channel]',
    summary: 'The daily digest: where and when, or now (to you, or posted to a channel)',
    example: '/finsync digest #finance at 08:00',
  },
  {
    name: 'subscribe',
    usage: 'subscribe <connection|all> [failures] [recoveries] [digest] | subscribe list',
    summary: 'Send this channel alerts for a connection',
    example: '/finsync subscribe stripe failures',
  },
  {
    name: 'unsubscribe',
    usage: 'unsubscribe <connection|all> [failures] [recoveries] [digest]',
    summary: 'Stop sending this channel alerts',
    example: '/finsync unsubscribe stripe',
  },
  {
    name: 'audit',
    usage: 'audit [N]',
    summary: 'The last N changes and who made them (admins)',
    example: '/finsync audit 20',
  },
];

export type Command =
  | { readonly name: 'help' }
  | { readonly name: 'status' }
  | { readonly name: 'connect'; readonly provider: string }
  | { readonly name: 'reconnect'; readonly connection: string }
  | { readonly name: 'disconnect'; readonly connection: string }
  | { readonly name: 'sync'; readonly target: string }
  | { readonly name: 'cash'; readonly range: CashRangeSpec }
  | {
      readonly name: 'request';
      /** As typed (symbol and thousands commas kept): the amount parser reads it. */
      readonly amount: string;
      readonly currency: string | undefined;
      readonly description: string;
      readonly via: string | null;
    }
  | { readonly name: 'requests'; readonly filter: 'open' | 'paid' | 'all' }
  | { readonly name: 'schedule'; readonly connection: string; readonly schedule: string }
  | { readonly name: 'history'; readonly connection: string; readonly limit: number }
  | { readonly name: 'alerts'; readonly channel: ChannelRef | 'off' }
  | { readonly name: 'digest'; readonly mode: 'now'; readonly channel: ChannelRef | null }
  | {
      readonly name: 'digest';
      readonly mode: 'set';
      readonly channel: ChannelRef;
      readonly time: string | null;
    }
  | { readonly name: 'subscribe'; readonly target: string; readonly kinds: readonly SubscriptionKind[] }
  | { readonly name: 'subscribe-list' }
  | { readonly name: 'unsubscribe'; readonly target: string; readonly kinds: readonly SubscriptionKind[] }
  | { readonly name: 'audit'; readonly limit: number };

/**
 * The period `cash` covers, as typed: a named one (resolved in the team's timezone by the service) or
 * calendar dates, inclusive (`to` equals `from` for one date).
 */
export type CashRangeSpec =
  | { readonly kind: 'today' | 'yesterday' | 'week' | 'month' }
  | { readonly kind: 'dates'; readonly from: string; readonly to: string };

/** The longest period `cash` adds up: a year of days (one leap year). */
export const CASH_MAX_DAYS = 366;

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` that names a real calendar date, as its UTC midnight in ms; null otherwise. */
function calendarDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms : null;
}

/** `cash`'s period, or a sentence saying what is wrong with it. */
export function parseCashRange(token: string | undefined): CashRangeSpec | string {
  if (token === undefined) return { kind: 'today' };
  const word = token.toLowerCase();
  if (word === 'today' || word === 'yesterday' || word === 'week' || word === 'month') return { kind: word };
  const [fromText, toText, ...extra] = token.split('..');
  if (extra.length > 0 || fromText === undefined) return `\`${clip(token)}\` is not a period.`;
  const from = calendarDate(fromText);
  const to = toText === undefined ? from : calendarDate(toText);
  if (from === null || to === null)
    return `\`${clip(token)}\` is not a period: dates are real calendar dates written YYYY-MM-DD.`;
  if (to < from) return `The period \`${clip(token)}\` ends before it starts.`;
  if ((to - from) / DAY_MS + 1 > CASH_MAX_DAYS)
    return `The period \`${clip(token)}\` is longer than ${CASH_MAX_DAYS} days.`;
  return { kind: 'dates', from: fromText, to: toText ?? fromText };
}

/** A channel as Slack escapes it (`<#C123|name>`) or as typed (`#name`): id when known, else name. */
export interface ChannelRef {
  readonly id: string | null;
  readonly name: string | null;
}

export interface ParseFailure {
  readonly message: string;
  readonly usage: CommandSpec;
  readonly suggestion: string | null;
}

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: ParseFailure };

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const MAX_TEXT = 500;

function spec(name: string): CommandSpec {
  return COMMANDS.find((c) => c.name === name)!;
}

function fail(name: string, message: string, suggestion: string | null = null): ParseResult {
  return { ok: false, error: { message, usage: spec(name), suggestion } };
}

/** Splits on spaces, keeping "double quoted" parts (cron expressions) together; accepts curly quotes from Slack clients. */
export function tokenize(text: string): string[] {
  const normalized = text.replace(/[\u201c\u201d]/g, '"');
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let m = pattern.exec(normalized); m !== null; m = pattern.exec(normalized))
    tokens.push(m[1] ?? m[2] ?? '');
  return tokens;
}

export function parseChannel(token: string | undefined): ChannelRef | null {
  if (token === undefined) return null;
  const escaped = /^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$/.exec(token);
  if (escaped) return { id: escaped[1]!, name: escaped[2] || null };
  const typed = /^#([a-z0-9][a-z0-9._-]{0,79})$/.exec(token);
  if (typed) return { id: null, name: typed[1]! };
  return null;
}

function parseCount(token: string | undefined, fallback: number, max: number): number | null {
  if (token === undefined) return fallback;
  if (!/^\d{1,4}$/.test(token)) return null;
  const value = Number(token);
  return value >= 1 && value <= max ? value : null;
}

/** What to send; none named means failures and recoveries to subscribe, and everything to unsubscribe. */
function parseKinds(tokens: readonly string[], verb: 'subscribe' | 'unsubscribe'): SubscriptionKind[] | null {
  const kinds = new Set<SubscriptionKind>();
  for (const token of tokens) {
    if (token !== 'failures' && token !== 'recoveries' && token !== 'digest') return null;
    kinds.add(token);
  }
  if (kinds.size > 0) return [...kinds];
  return verb === 'subscribe' ? ['failures', 'recoveries'] : ['failures', 'recoveries', 'digest'];
}

export function parseCommand(rawText: string): ParseResult {
  const text = rawText.trim();
  if (text.length > MAX_TEXT)
    return fail(
      'help',
      `That command is ${text.length} characters long; commands are shorter than ${MAX_TEXT}.`,
    );
  const tokens = tokenize(text);
  const [word, ...args] = tokens;
  const verb = (word ?? 'help').toLowerCase();
  const a0 = args[0]?.toLowerCase();
  switch (verb) {
    case 'help':
    case 'status':
      return args.length === 0
        ? { ok: true, command: { name: verb } }
        : fail(verb, `\`${verb}\` takes no arguments.`);
    case 'connect':
      if (!a0 || args.length > 1 || !NAME.test(a0)) return fail('connect', 'Name one provider to connect.');
      return { ok: true, command: { name: 'connect', provider: a0 } };
    case 'reconnect':
      if (!a0 || args.length > 1 || !NAME.test(a0))
        return fail('reconnect', 'Name the connection to reconnect.');
      return { ok: true, command: { name: 'reconnect', connection: a0 } };
    case 'disconnect':
      if (!a0 || args.length > 1 || !NAME.test(a0))
        return fail('disconnect', 'Name the connection to remove.');
      return { ok: true, command: { name: 'disconnect', connection: a0 } };
    case 'sync':
      if (!a0 || args.length > 1 || !NAME.test(a0)) return fail('sync', 'Name a connection, or `all`.');
      return { ok: true, command: { name: 'sync', target: a0 } };
    case 'cash': {
      if (args.length > 1) return fail('cash', '`cash` takes at most one period.');
      const range = parseCashRange(args[0]);
      return typeof range === 'string' ? fail('cash', range) : { ok: true, command: { name: 'cash', range } };
    }
    case 'request':
      return parseRequest(args);
    case 'requests': {
      const filter = a0 ?? 'open';
      if (args.length > 1 || (filter !== 'open' && filter !== 'paid' && filter !== 'all'))
        return fail('requests', 'Show `open`, `paid` or `all` requests.');
      return { ok: true, command: { name: 'requests', filter } };
    }
    case 'schedule': {
      if (!a0 || !NAME.test(a0) || args.length < 2)
        return fail('schedule', 'Name a connection and a schedule.');
      // The schedule keeps its original spacing and quotes: the schedule parser owns its grammar.
      const rest = /^\s*\S+\s+\S+\s+([\s\S]*)$/.exec(text)?.[1] ?? '';
      return {
        ok: true,
        command: { name: 'schedule', connection: a0, schedule: rest.replace(/[\u201c\u201d]/g, '"').trim() },
      };
    }
    case 'history': {
      if (!a0 || !NAME.test(a0) || args.length > 2)
        return fail('history', 'Name a connection, and optionally how many runs.');
      const limit = parseCount(args[1], 10, 100);
      if (limit === null) return fail('history', 'N must be a whole number from 1 to 100.');
      return { ok: true, command: { name: 'history', connection: a0, limit } };
    }
    case 'alerts': {
      if (args.length !== 1) return fail('alerts', 'Give one channel, or `off`.');
      if (a0 === 'off') return { ok: true, command: { name: 'alerts', channel: 'off' } };
      const channel = parseChannel(args[0]);
      return channel
        ? { ok: true, command: { name: 'alerts', channel } }
        : fail('alerts', `\`${clip(args[0]!)}\` is not a channel.`);
    }
    case 'digest': {
      if (a0 === 'now') {
        if (args.length > 2) return fail('digest', '`digest now` takes at most a channel.');
        const channel = args[1] === undefined ? null : parseChannel(args[1]);
        if (args[1] !== undefined && channel === null)
          return fail('digest', `\`${clip(args[1])}\` is not a channel.`);
        return { ok: true, command: { name: 'digest', mode: 'now', channel } };
      }
      const channel = parseChannel(args[0]);
      if (!channel) return fail('digest', 'Give a channel, or `now`.');
      if (args.length === 1)
        return { ok: true, command: { name: 'digest', mode: 'set', channel, time: null } };
      if (
        args.length === 3 &&
        args[1]?.toLowerCase() === 'at' &&
        /^([01]\d|2[0-3]):[0-5]\d$/.test(args[2]!)
      ) {
        return { ok: true, command: { name: 'digest', mode: 'set', channel, time: args[2]! } };
      }
      return fail('digest', 'The time comes as `at HH:MM` (24-hour).');
    }
    case 'subscribe':
    case 'unsubscribe': {
      if (verb === 'subscribe' && a0 === 'list' && args.length === 1)
        return { ok: true, command: { name: 'subscribe-list' } };
      if (!a0 || !NAME.test(a0)) return fail(verb, 'Name a connection, or `all`.');
      const kinds = parseKinds(
        args.slice(1).map((t) => t.toLowerCase()),
        verb,
      );
      if (!kinds) return fail(verb, 'What to send is any of `failures`, `recoveries`, `digest`.');
      return { ok: true, command: { name: verb, target: a0, kinds } };
    }
    case 'audit': {
      const limit = parseCount(args[0], 20, 200);
      if (args.length > 1 || limit === null) return fail('audit', 'N must be a whole number from 1 to 200.');
      return { ok: true, command: { name: 'audit', limit } };
    }
    default: {
      // Nearest command's usage, or when nothing is near, every command (from COMMANDS, not a hand list).
      const nearest = nearestCommand(verb);
      const unknown = `\`${clip(word ?? '')}\` is not a finsync command.`;
      return nearest
        ? fail(nearest, unknown, nearest)
        : fail('help', `${unknown} The commands are ${commandNames().join(', ')}.`);
    }
  }
}

/**
 * `request <amount> <currency> <description…> [via <connection>]`: the currency may be glued to the amount
 * (`1200JPY`) or left out when a symbol names it (`¥1200 Rent`); the amount is checked here (pure), so a wrong
 * one is answered at once with the problem and the usage.
 */
function parseRequest(args: readonly string[]): ParseResult {
  const rest = [...args];
  let amount = rest.shift();
  if (amount !== undefined && hasCurrencySymbol(amount) && /^\D+$/.test(amount) && rest.length > 0)
    amount += rest.shift(); // `€ 1250`: the symbol and the digits typed apart
  if (amount === undefined) return fail('request', 'Give an amount, a currency and what it is for.');
  let currency: string | undefined;
  const glued = /^(.*\d)([A-Za-z]{3})$/.exec(amount);
  if (glued && isCurrencyCode(glued[2]!)) {
    amount = glued[1]!;
    currency = glued[2]!;
  } else if (rest[0] !== undefined && isCurrencyCode(rest[0])) currency = rest.shift();
  else if (!hasCurrencySymbol(amount))
    return fail('request', `Give the currency after the amount (e.g. \`${clip(amount)} EUR\`).`);
  let via: string | null = null;
  if (rest.length >= 2 && rest.at(-2)?.toLowerCase() === 'via') {
    via = rest.pop()!.toLowerCase();
    rest.pop();
    if (!NAME.test(via)) return fail('request', `\`${clip(via)}\` is not a connection name.`);
  }
  const description = rest.join(' ').trim();
  if (description === '') return fail('request', 'Say what the payment is for, e.g. `Invoice 42`.');
  const parsed = parsePaymentAmount(amount, currency);
  if (!parsed.ok) return fail('request', parsed.problem);
  return { ok: true, command: { name: 'request', amount, currency, description, via } };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The names of every command, in help's order. */
export function commandNames(): readonly string[] {
  return COMMANDS.map((c) => c.name);
}

/** The command whose name is closest (Damerau-free Levenshtein ≤ 2, or a prefix), or null. */
export function nearestCommand(word: string): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const { name } of COMMANDS) {
    const distance = name.startsWith(word) && word.length >= 2 ? 0 : levenshtein(word.slice(0, 20), name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
