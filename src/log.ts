/**
 * winston JSON-lines logger with a redaction step on every line: keys that name secrets are masked,
 * and any value registered as secret (decrypted credentials, tokens, keys) is cut out wherever it appears.
 */
import winston from 'winston';

const SECRET_KEY =
  /(secret|token|password|passwd|api[_-]?key|authorization|credential|private[_-]?key|signing)/i;
const knownSecrets = new Set<string>();
let secretPattern: RegExp | null = null;

/** Marks a value as secret: it will never appear in a log line, whatever key it hides under. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 6 || knownSecrets.has(value)) return;
  knownSecrets.add(value);
  secretPattern = null;
}

/**
 * Registers the secret values of a credentials object: those under secret-sounding keys (api_key,
 * access_token, refresh_token, client_secret, public_token, webhook_secret, …). Identifiers such as a
 * realm or item id and expiry times stay readable in logs; the keys that name secrets are masked anyway.
 */
export function registerCredentialSecrets(credentials: Readonly<Record<string, string | undefined>>): void {
  for (const [key, value] of Object.entries(credentials)) if (SECRET_KEY.test(key)) registerSecret(value);
}

/** Replaces every registered secret in a string with [redacted]. */
export function redactText(text: string): string {
  if (knownSecrets.size === 0) return text;
  secretPattern ??= new RegExp(
    [...knownSecrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return text.replace(secretPattern, '[redacted]');
}

/** Deep copy with secret-named keys masked and registered secrets removed from strings. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactText(value.message),
      stack: value.stack && redactText(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && item !== null && item !== undefined && item !== ''
        ? '[redacted]'
        : redact(item, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    const value = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] =
      SECRET_KEY.test(key) && typeof value === 'string' && value !== '' ? '[redacted]' : redact(value);
  }
  return info;
});

export type Logger = winston.Logger;

export interface LoggerOptions {
  readonly level: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture lines. */
  readonly stream?: NodeJS.WritableStream;
  readonly silent?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}

/** A logger that drops everything (helpers and tests that do not care). */
export function silentLogger(): Logger {
  return createLogger({ level: 'error', silent: true });
}
