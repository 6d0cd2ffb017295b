/**
 * The one place that reads the environment (and `.env`, when present) into a frozen, typed config.
 * Every problem is a ConfigError naming the setting and what is expected, so `npm start` can stop
 * with one clear line. Setting names are a contract (CONVENTIONS.md): keep them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { allProviders, type ProviderSettings } from '../connectors/registry.ts';
import { CORE_SETTINGS } from './core-settings.ts';
import { ConfigError, ConfigErrors } from './errors.ts';
import { type PaymentSettings, parseApprovalLimits, parseRequesters } from './payment-settings.ts';
import { type Env, secretValues, settingsReader, urlSetting } from './settings-reader.ts';

export type { Env } from './settings-reader.ts';

export interface Config {
  readonly slack: { readonly botToken: string; readonly signingSecret: string; readonly apiUrl: string };
  readonly port: number;
  readonly dataDir: string;
  readonly mongodbUri: string | undefined;
  readonly encryption: {
    readonly key: Buffer;
    readonly newKey: Buffer | undefined;
    readonly previousKey: Buffer | undefined;
  };
  readonly admins: readonly string[];
  readonly adminGroup: string | undefined;
  /** Who may see money figures besides admins (a user group); unset: everyone who can use the app. */
  readonly moneyViewersGroup: string | undefined;
  readonly timezone: string;
  readonly alertChannel: string | undefined;
  readonly digestChannel: string | undefined;
  readonly digestTime: string;
  /** Transient failed runs in a row before an alert, and failed runs before the owner is mentioned. */
  readonly alertPolicy: { readonly alertAfter: number; readonly escalateAfter: number };
  readonly publicUrl: string;
  /** Each registered provider's own settings, parsed by its descriptor (connectors/<id>/provider.ts). */
  readonly providers: ProviderSettings;
  /** The values of every secret setting that is set (core and providers'): the log never shows them. */
  readonly secrets: readonly string[];
  readonly logLevel: string;
  /** Who may request payments, and the per-currency amounts above which a second admin approves. */
  readonly payments: PaymentSettings;
}

export interface LoadOptions {
  /** `npm start` needs Slack credentials; the CLI, which never talks to Slack, does not. */
  readonly requireSlack: boolean;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** process.env over `.env` in the working directory (the real environment wins, as with dotenv). */
export function readEnvironment(cwd = process.cwd()): Env {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return Object.freeze({ ...fromFile, ...process.env });
}

export function loadConfig(env: Env, options: LoadOptions = { requireSlack: true }): Config {
  const read = settingsReader(env, CORE_SETTINGS);
  const get = read.get;
  // Every setting is checked even after one fails, so start-up names every problem at once.
  const problems: ConfigError[] = [];
  const check = <T>(fallback: T, value: () => T): T => {
    try {
      return value();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return fallback;
    }
  };
  /** A setting declared with a default in CORE_SETTINGS. */
  const withDefault = (name: string): string => {
    const value = get(name);
    if (value === undefined) throw new Error(`${name} is declared without a default`);
    return value;
  };
  const required = (name: string, what: string): string => {
    const value = get(name);
    if (value === undefined) throw new ConfigError(name, `${name} is not set: expected ${what}`);
    return value;
  };
  const slackRequired = (name: string, what: string, fallback: string): string =>
    options.requireSlack ? required(name, what) : (get(name) ?? fallback);

  const port = check(3000, () => integerSetting(withDefault('PORT'), 'PORT', 0, 65535));
  const botToken = check('unused', () => {
    const token = slackRequired('SLACK_BOT_TOKEN', 'the bot token from your Slack app (xoxb-…)', 'unused');
    if (options.requireSlack && !token.startsWith('xoxb-')) {
      throw new ConfigError('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
    }
    return token;
  });
  const timezone = check('UTC', () => {
    const zone = withDefault('FINSYNC_TIMEZONE');
    if (!isTimeZone(zone)) {
      throw new ConfigError(
        'FINSYNC_TIMEZONE',
        `FINSYNC_TIMEZONE must be an IANA timezone such as Europe/Berlin, not "${zone}"`,
      );
    }
    return zone;
  });
  const digestTime = check('08:00', () => {
    const time = withDefault('FINSYNC_DIGEST_TIME');
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) {
      throw new ConfigError(
        'FINSYNC_DIGEST_TIME',
        'FINSYNC_DIGEST_TIME must be a time as HH:MM (24-hour), e.g. 08:00',
      );
    }
    return time;
  });
  const logLevel = check('info', () => {
    const level = withDefault('LOG_LEVEL');
    if (!LOG_LEVELS.includes(level)) {
      throw new ConfigError('LOG_LEVEL', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
    }
    return level;
  });
  const publicUrl = check(`http://localhost:${port}`, () =>
    urlSetting(get('FINSYNC_PUBLIC_URL') ?? `http://localhost:${port}`, 'FINSYNC_PUBLIC_URL').replace(
      /\/$/,
      '',
    ),
  );
  // Each provider reads only the settings it declared; its parse throws a ConfigError naming the variable.
  const providers = Object.fromEntries(
    allProviders().map((provider) => [
      provider.id,
      check(undefined, () =>
        provider.settings.parse(settingsReader(env, provider.settings.declared), { publicUrl }),
      ),
    ]),
  ) as unknown as ProviderSettings;
  const secrets = [
    ...secretValues(env, [
      ...CORE_SETTINGS,
      ...allProviders().flatMap((provider) => provider.settings.declared),
    ]),
    ...uriPasswords(get('MONGODB_URI')),
  ];
  const signingSecret = check('unused', () =>
    slackRequired(
      'SLACK_SIGNING_SECRET',
      "the signing secret from your Slack app's Basic Information",
      'unused',
    ),
  );
  const apiUrl = check('https://slack.com/api/', () => read.url('SLACK_API_URL'));
  const mongodbUri = check(undefined, () => optionalMongoUri(get('MONGODB_URI')));
  const noKey = Buffer.alloc(32);
  const encryption = {
    key: check(noKey, () =>
      encryptionKey(
        required('FINSYNC_ENCRYPTION_KEY', '32 random bytes in base64 (openssl rand -base64 32)'),
        'FINSYNC_ENCRYPTION_KEY',
      ),
    ),
    newKey: check(undefined, () =>
      optionalKey(get('FINSYNC_ENCRYPTION_KEY_NEW'), 'FINSYNC_ENCRYPTION_KEY_NEW'),
    ),
    previousKey: check(undefined, () =>
      optionalKey(get('FINSYNC_ENCRYPTION_KEY_PREVIOUS'), 'FINSYNC_ENCRYPTION_KEY_PREVIOUS'),
    ),
  };
  const admins = check([], () =>
    listSetting(
      get('FINSYNC_ADMINS'),
      'FINSYNC_ADMINS',
      /^[UW][A-Z0-9]{2,}$/,
      'Slack user IDs such as U012ABCDEF',
    ),
  );
  const group = (name: string) =>
    check(undefined, () =>
      optionalMatch(get(name), name, /^S[A-Z0-9]{2,}$/, 'a Slack user group ID such as S012ABCDEF'),
    );
  const channel = (name: string) =>
    check(undefined, () =>
      optionalMatch(get(name), name, /^[CG][A-Z0-9]{2,}$/, 'a Slack channel ID such as C012ABCDEF'),
    );
  const adminGroup = group('FINSYNC_ADMIN_GROUP');
  const moneyViewersGroup = group('FINSYNC_MONEY_VIEWERS_GROUP');
  const alertChannel = channel('FINSYNC_ALERT_CHANNEL');
  const digestChannel = channel('FINSYNC_DIGEST_CHANNEL');
  const alertAfter = check(2, () =>
    integerSetting(withDefault('FINSYNC_ALERT_AFTER_FAILURES'), 'FINSYNC_ALERT_AFTER_FAILURES', 1, 100),
  );
  const escalateAfter = check(5, () =>
    integerSetting(
      withDefault('FINSYNC_ESCALATE_AFTER_FAILURES'),
      'FINSYNC_ESCALATE_AFTER_FAILURES',
      1,
      1000,
    ),
  );
  const payments: PaymentSettings = {
    requesters: check('admins' as const, () => parseRequesters(get('FINSYNC_PAYMENT_REQUESTERS'))),
    approvalAbove: check(new Map<string, number>(), () =>
      parseApprovalLimits(get('FINSYNC_PAYMENT_APPROVAL_ABOVE')),
    ),
  };
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigErrors(problems);

  return deepFreeze({
    slack: { botToken, signingSecret, apiUrl },
    port,
    dataDir: withDefault('FINSYNC_DATA_DIR'),
    mongodbUri,
    encryption,
    admins,
    adminGroup,
    moneyViewersGroup,
    timezone,
    alertChannel,
    digestChannel,
    digestTime,
    alertPolicy: { alertAfter, escalateAfter },
    publicUrl,
    providers,
    secrets,
    logLevel,
    payments,
  });
}

function integerSetting(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(name, `${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

function encryptionKey(text: string, name: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(
      name,
      `${name} must be 32 bytes in base64 (44 characters; openssl rand -base64 32), got ${key.length} bytes`,
    );
  }
  return key;
}

function optionalKey(text: string | undefined, name: string): Buffer | undefined {
  return text === undefined ? undefined : encryptionKey(text, name);
}

/**
 * A MongoDB URI's password, as written and decoded: driver errors and host lists can quote parts of the URI
 * without the rest, so the password alone is cut from logs too, not only the whole URI.
 */
function uriPasswords(uri: string | undefined): string[] {
  const written = uri?.match(/^mongodb(?:\+srv)?:\/\/[^:@/]*:([^@/]+)@/)?.[1];
  if (!written) return [];
  let decoded = written;
  try {
    decoded = decodeURIComponent(written);
  } catch {
    // A malformed escape: the written form is the only one that can appear.
  }
  return [...new Set([written, decoded])];
}

function optionalMongoUri(text: string | undefined): string | undefined {
  if (text !== undefined && !/^mongodb(\+srv)?:\/\//.test(text)) {
    throw new ConfigError('MONGODB_URI', 'MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  return text;
}

function optionalMatch(
  text: string | undefined,
  name: string,
  pattern: RegExp,
  what: string,
): string | undefined {
  if (text !== undefined && !pattern.test(text))
    throw new ConfigError(name, `${name} must be ${what}, not "${text.slice(0, 40)}"`);
  return text;
}

function listSetting(text: string | undefined, name: string, pattern: RegExp, what: string): string[] {
  if (text === undefined) return [];
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const bad = items.find((item) => !pattern.test(item));
  if (bad !== undefined)
    throw new ConfigError(name, `${name} must be comma-separated ${what}; "${bad.slice(0, 40)}" is not one`);
  return items;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** One provider's settings: all that the context of its connector's calls may carry (never another's). */
export function settingsOfProvider(config: Config, provider: string): unknown {
  if (!Object.hasOwn(config.providers, provider)) throw new Error(`no provider ${provider} is registered`);
  return config.providers[provider as keyof ProviderSettings];
}
