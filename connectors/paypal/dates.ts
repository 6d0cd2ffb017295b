/**
 * PayPal's date-times. The spec's pattern allows `Z` or `+00:00`, but Transaction Search rows are commonly
 * written `2024-01-31T10:00:00+0000` (no colon in the offset), which `Date.parse` does not read everywhere:
 * both are accepted here, and anything else is refused rather than guessed.
 */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** Epoch ms of a PayPal date-time, or undefined when it is not one. */
export function paypalInstantMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return undefined;
  const offset = match[4]!;
  const zone = /^[Zz]$/.test(offset)
    ? 'Z'
    : offset.includes(':')
      ? offset
      : `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const ms = Date.parse(`${match[1]}T${match[2]}${match[3] ?? ''}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The query form PayPal's `start_date`/`end_date` take: whole seconds, UTC, `Z`. */
export function queryDate(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
