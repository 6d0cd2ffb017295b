/**
 * Reads a JSON body so that no number ever passes through a binary double: every number literal arrives as its
 * source text (a string), exactly as the provider wrote it. Node 20's JSON.parse gives a reviver no access to
 * the source text, so the text is rewritten first: each number literal outside a string is wrapped in quotes,
 * and the result, ordinary JSON, goes to JSON.parse. Sage types amounts as numbers yet sends decimal strings
 * too; after this both look alike (`"12.30"`), and integers such as `$total` are read with `integerOf`.
 */
import { TransientError } from '../../src/errors.ts';

const NOT_JSON = 'Sage answered with a body that is not JSON';
/** JSON's number grammar: a run of number characters that is not this (`1-2`, `012`, `1.`) is refused. */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function parseExactJson(text: string): unknown {
  try {
    return JSON.parse(quoteNumbers(text));
  } catch {
    throw new TransientError(NOT_JSON);
  }
}

/**
 * The body with every number literal quoted. A hand-written scan rather than one regular expression with a
 * replacer: strings are skipped with the native `indexOf` (no call per string literal), which made Sage's
 * bench pages about twice as fast to read (bench/sage-full-load.ts). A single sticky regular expression was
 * as fast, but V8 runs out of backtracking stack on bodies with millions of strings between two numbers.
 */
function quoteNumbers(text: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i);
    } else if (c === MINUS || isDigit(c)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      if (!NUMBER.test(literal)) throw new SyntaxError(NOT_JSON);
      out += `${text.slice(copied, i)}"${literal}"`;
      copied = end;
      i = end;
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** Digits, `.`, `e`, `E`, `+`, `-`: what a number literal is made of (the grammar is checked after). */
const isNumberChar = (c: number): boolean =>
  isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;

/** The index just past the string literal opening at `open` (a quote preceded by an even run of backslashes closes it). */
function afterString(text: string, open: number): number {
  for (let close = text.indexOf('"', open + 1); close !== -1; close = text.indexOf('"', close + 1)) {
    let slash = close - 1;
    while (text.charCodeAt(slash) === BACKSLASH) slash--;
    if ((close - 1 - slash) % 2 === 0) return close + 1;
  }
  return text.length; // unterminated: JSON.parse refuses it
}

/** A non-negative integer that arrived as number text (or a number); null otherwise. */
export function integerOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}
