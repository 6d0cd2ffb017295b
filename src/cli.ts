/**
 * `npx finsync <command>`: the slash commands from a terminal, against the same store and services,
 * plus exports. Text output renders the same Block Kit views Slack shows; `--json` prints data.
 * Authorization: the CLI needs the data folder and FINSYNC_ENCRYPTION_KEY, i.e. operator access to the
 * host, so it acts as the admin "cli" (every change it makes is audited under that name).
 */
import { readFileSync } from 'node:fs';
import { integrationIds } from '../connectors/registry.ts';
import { cashCsv, cashData } from './cli-cash.ts';
import { writeExport } from './cli-export.ts';
import { runRoutingCli } from './cli-routing.ts';
import { runSyncCli } from './cli-sync.ts';
import { parseCommand } from './commands/command-grammar.ts';
import { loadConfig, readEnvironment } from './config.ts';
import { type Core, createCore } from './core.ts';
import { FinsyncError } from './errors.ts';
import { createLogger } from './log.ts';
import { auditMessage } from './messages/audit.ts';
import { type SlackMessage, section } from './messages/blocks.ts';
import { cashMessage } from './messages/cash.ts';
import { disconnectedText } from './messages/disconnect.ts';
import { helpMessage, notice, usageHint } from './messages/help.ts';
import { paymentRequestsMessage } from './messages/payment-request.ts';
import { statusMessage } from './messages/status.ts';
import { historyMessage } from './messages/sync.ts';
import { renderBlocks } from './sandbox/render-blocks.ts';
import { CLI_ACTOR } from './security/roles.ts';
import { rotateKeys } from './security/rotate-key.ts';
import { setProcessRole } from './store/lease.ts';

interface Flags {
  /** The arguments as given (reconnect reads `--<field> value` pairs from them). */
  argv: readonly string[];
  json: boolean;
  values: Map<string, string>;
  switches: Set<string>;
  words: string[];
}

export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { argv, json: false, values: new Map(), switches: new Set(), words: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') flags.json = true;
    else if (arg.startsWith('--') && arg.includes('='))
      flags.values.set(arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1));
    else if (
      arg.startsWith('--') &&
      ['--connection', '--since', '--until', '--format', '--name', '--set', '--limit', '--channel'].includes(
        arg,
      )
    ) {
      const value = argv[++i] ?? '';
      if (arg === '--set')
        flags.values.set(`set:${value.slice(0, value.indexOf('='))}`, value.slice(value.indexOf('=') + 1));
      else flags.values.set(arg.slice(2), value);
    } else if (arg.startsWith('--')) flags.switches.add(arg.slice(2));
    else flags.words.push(arg);
  }
  return flags;
}

/** Text: the message as Slack shows it (its text when it has no blocks); --json: its data (none when undefined). */
function print(flags: Flags, message: SlackMessage, data?: unknown): void {
  // Money in minor units is exact as BigInt (the digest's totals): printed as a JSON string of digits.
  const json = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
  if (flags.json) {
    if (data !== undefined) console.log(JSON.stringify(data, json, 2));
  } else console.log(message.blocks.length > 0 ? renderBlocks(message.blocks) : message.text);
}

/** Help names the providers `connect` accepts, from the registry, as in Slack. */
const HELP = { providers: integrationIds() };

/** Credential fields from `--credentials-stdin` (JSON) and `--set key=value`. */
function credentialInput(flags: Flags): Record<string, string> {
  const input: Record<string, string> = flags.switches.has('credentials-stdin')
    ? (JSON.parse(readFileSync(0, 'utf8')) as Record<string, string>)
    : {};
  for (const [key, value] of flags.values) if (key.startsWith('set:')) input[key.slice(4)] = value;
  return input;
}

/**
 * `reconnect <connection> --api_key sk_… [--field value | --field=value …]`: every other `--name` is a
 * credential field; the words left are the command.
 */
function reconnectArguments(flags: Flags): { words: string[]; input: Record<string, string> } {
  const input = credentialInput(flags);
  const words: string[] = [];
  const own = new Set(['json', 'credentials-stdin', 'set']);
  for (let i = 0; i < flags.argv.length; i++) {
    const arg = flags.argv[i]!;
    const field = /^--([a-z][a-z0-9_]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!field) words.push(arg);
    else if (own.has(field[1]!)) {
      if (field[1] === 'set' && field[2] === undefined) i++;
    } else input[field[1]!] = field[2] ?? flags.argv[++i] ?? '';
  }
  return { words, input };
}

async function run(core: Core, flags: Flags): Promise<number> {
  const { finsync } = core;
  if (flags.words[0] === 'rotate-key') return rotateKeyCommand(core, flags);
  if (flags.words[0] === 'export') {
    await writeExport(core, flags.words[1] ?? '', flags.values, process.stdout);
    return 0;
  }
  const reconnect = flags.words[0] === 'reconnect' ? reconnectArguments(flags) : null;
  const parsed = parseCommand((reconnect?.words ?? flags.words).join(' '));
  if (!parsed.ok) {
    print(flags, usageHint(parsed.error, HELP), {
      ok: false,
      error: parsed.error.message,
      usage: parsed.error.usage.usage,
      suggestion: parsed.error.suggestion,
    });
    return 2;
  }
  const command = parsed.command;
  switch (command.name) {
    case 'help':
      print(flags, helpMessage(HELP), { commands: helpMessage(HELP).text, providers: HELP.providers });
      return 0;
    case 'status': {
      const report = await finsync.status();
      print(flags, statusMessage(report, { shareable: false }), report);
      return report.needAttention > 0 ? 3 : 0;
    }
    case 'connect': {
      const input = credentialInput(flags);
      const plan = await core.connect.plan({ provider: command.provider, userId: CLI_ACTOR });
      // A browser hand-off is printed as its link; a link page's result may also be given as fields.
      if (plan.kind === 'consent' || (plan.kind === 'link' && Object.keys(input).length === 0)) {
        print(flags, notice(':link:', `${plan.text} ${plan.buttonLabel}: ${plan.url}`), {
          provider: plan.provider.id,
          plan: plan.kind,
          name: plan.name,
          url: plan.url,
        });
        return 0;
      }
      const name = flags.values.get('name') ?? plan.name;
      const connection = await finsync.connect({ provider: plan.provider.id, name, input, actor: CLI_ACTOR });
      print(
        flags,
        notice(
          ':white_check_mark:',
          `Connected ${connection.provider} as ${connection.name} (${connection.accountLabel})`,
        ),
        {
          name: connection.name,
          provider: connection.provider,
          accountLabel: connection.accountLabel,
        },
      );
      return 0;
    }
    case 'reconnect': {
      // A form provider's new credentials come as flags; a hand-off is printed as its link.
      const input = reconnect?.input ?? {};
      const plan = await core.connect.planReconnect({ connection: command.connection, userId: CLI_ACTOR });
      if (plan.kind !== 'form') {
        print(flags, notice(':link:', `${plan.text} ${plan.buttonLabel}: ${plan.url}`), {
          connection: plan.name,
          plan: plan.kind,
          url: plan.url,
        });
        return 0;
      }
      const connection = await finsync.reconnect({
        name: command.connection,
        input: { ...plan.initial, ...input },
        actor: CLI_ACTOR,
      });
      print(
        flags,
        notice(
          ':white_check_mark:',
          `Reconnected ${connection.name} (${connection.accountLabel}) with new credentials; its history, schedule and subscriptions are kept`,
        ),
        { name: connection.name, provider: connection.provider, accountLabel: connection.accountLabel },
      );
      return 0;
    }
    case 'disconnect': {
      const deleteRecords = flags.switches.has('delete-records');
      const result = await finsync.disconnect({ name: command.connection, deleteRecords, actor: CLI_ACTOR });
      print(
        flags,
        { text: '', blocks: [section(disconnectedText(command.connection, deleteRecords, result))] },
        result,
      );
      // Done, but the grant may still be live at the provider: 3, like a status that needs attention.
      return result.revocation.outcome === 'failed' ? 3 : 0;
    }
    case 'sync':
      return runSyncCli(core, command.target, (message, data) => print(flags, message, data));
    case 'schedule': {
      const result = await finsync.schedule({
        connection: command.connection,
        text: command.schedule,
        actor: CLI_ACTOR,
      });
      print(flags, notice(':calendar:', `${command.connection} now syncs ${result.description}`), result);
      return 0;
    }
    case 'history': {
      const { connection, runs } = await finsync.history(command.connection, command.limit);
      print(flags, historyMessage(connection, runs), runs);
      return 0;
    }
    case 'cash': {
      const report = await core.cash.report(CLI_ACTOR, command.range);
      if (flags.switches.has('csv')) process.stdout.write(cashCsv(report));
      else print(flags, cashMessage(report, { shareable: false }), cashData(report));
      return 0;
    }
    case 'requests': {
      const requests = await core.payments.list(CLI_ACTOR, command.filter, 1000);
      print(flags, paymentRequestsMessage(requests, command.filter), requests);
      return 0;
    }
    case 'request':
      // A request lives in a Slack thread (its link, approval and paid reply): it is asked from Slack.
      print(
        flags,
        notice(
          ':information_source:',
          'Ask for a payment from Slack (`/finsync request …` or the Home tab): its link, approval and the reply when it is paid live in a Slack thread. `npx finsync requests` lists them here.',
        ),
        { ok: false, error: 'payment requests are made from Slack' },
      );
      return 2;
    case 'audit': {
      const entries = await finsync.auditLog(CLI_ACTOR, command.limit);
      print(flags, auditMessage(entries), entries);
      return 0;
    }
    default: {
      // alerts, digest, subscribe, unsubscribe, subscribe list
      const { message, data } = await runRoutingCli(core, command, flags.values.get('channel'));
      print(flags, message, data);
      return 0;
    }
  }
}

/**
 * `npx finsync rotate-key`. Step 1, with FINSYNC_ENCRYPTION_KEY_NEW set: re-wrap everything under the new
 * key. Step 3, after the switch (FINSYNC_ENCRYPTION_KEY = new, _PREVIOUS = old): re-wrap what the app sealed
 * under the old key in between. README, "Rotating the encryption key", has the whole procedure.
 */
async function rotateKeyCommand(core: Core, flags: Flags): Promise<number> {
  const { key, newKey, previousKey } = core.config.encryption;
  const keys = newKey
    ? { current: key, next: newKey, previous: previousKey }
    : previousKey
      ? { current: previousKey, next: key }
      : null;
  if (!keys) {
    console.error(
      'finsync: set FINSYNC_ENCRYPTION_KEY_NEW to the new key (openssl rand -base64 32), keep FINSYNC_ENCRYPTION_KEY as it is, then run rotate-key',
    );
    return 2;
  }
  const result = await rotateKeys(core.store, keys, {
    afterEach: (name) => {
      if (!flags.json) console.error(`re-wrapped ${name}`);
    },
  });
  await core.store.appendAudit({
    at: new Date().toISOString(),
    actor: CLI_ACTOR,
    action: 'rotate-key',
    connection: null,
    outcome: 'ok',
    detail: `${result.rewrapped.length} re-wrapped, ${result.alreadyDone.length} already under key ${result.newKeyId}`,
  });
  if (flags.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(
      `Every credential is sealed under key ${result.newKeyId} (${result.rewrapped.length} re-wrapped, ${result.alreadyDone.length} already were).`,
    );
    console.log(
      newKey
        ? 'Next: set FINSYNC_ENCRYPTION_KEY to the new key and FINSYNC_ENCRYPTION_KEY_PREVIOUS to the old one, unset _NEW, restart finsync, then run rotate-key once more.'
        : 'Done: once every finsync process runs with the new key, unset FINSYNC_ENCRYPTION_KEY_PREVIOUS and restart.',
    );
  }
  return 0;
}

export async function cliMain(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv);
  setProcessRole('cli');
  let core: Core | undefined;
  try {
    const config = loadConfig(readEnvironment(), { requireSlack: false });
    // Logs go to stderr so stdout stays clean for --json and exports.
    const log = createLogger({
      level: config.logLevel === 'info' ? 'warn' : config.logLevel,
      stream: process.stderr,
    });
    // No reporter for queued jobs: the CLI never starts the scheduler; its syncs run in-process (cli-sync.ts).
    core = await createCore(config, { log, groupMembers: async () => [] });
    return await run(core, flags);
  } catch (error) {
    const message =
      error instanceof FinsyncError
        ? error.message
        : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    if (flags.json) console.log(JSON.stringify({ ok: false, error: message }));
    // One line per problem (every bad setting at once).
    else for (const line of message.split('\n')) console.error(`finsync: ${line}`);
    return 1;
  } finally {
    await core?.close();
  }
}
