/** Bolt's Logger interface on top of our winston logger, so Bolt's lines are JSON and redacted too. */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log.ts';

export function boltLogger(log: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  // Bolt logs several debug lines per request, some with whole payloads: a disabled level costs nothing
  // (no formatting, no trip through winston's stream).
  return {
    debug: (...parts: unknown[]) => {
      if (log.isDebugEnabled()) log.debug(text(parts), { source: 'bolt' });
    },
    info: (...parts: unknown[]) => {
      if (log.isInfoEnabled()) log.info(text(parts), { source: 'bolt' });
    },
    warn: (...parts: unknown[]) => log.warn(text(parts), { source: 'bolt' }),
    error: (...parts: unknown[]) => log.error(text(parts), { source: 'bolt' }),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
