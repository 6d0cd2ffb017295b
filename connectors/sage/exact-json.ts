/**
 * Reads a JSON body so that no number ever passes through a binary double: every number literal arrives as its
 * source text (a string), exactly as the provider wrote it. Node 20's JSON.parse gives a reviver no access to
 * the source text, so the text is rewritten first: one regular expression walks the body left to right,
 * matching whole string literals (left as they are, so digits inside strings are never touched) or number
 * literals (wrapped in quotes). The result is then ordinary JSON. Sage types amounts as numbers yet sends
 * decimal strings too; after this both look alike (`"12.30"`), and integers such as `$total` are read with
 * `integerOf`.
 */
import { TransientError } from '../../src/errors.ts';

// A string literal written as the "unrolled loop" (runs of plain characters between escapes), which V8's regex
// engine scans far faster than a per-character alternation; or a number literal.
const TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

export function parseExactJson(text: string): unknown {
  const quoted = text.replace(TOKEN, (token) => (token.charCodeAt(0) === 34 ? token : `"${token}"`));
  try {
    return JSON.parse(quoted);
  } catch {
    throw new TransientError('Sage answered with a body that is not JSON');
  }
}

/** A non-negative integer that arrived as number text (or a number); null otherwise. */
export function integerOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}
