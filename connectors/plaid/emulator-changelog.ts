/**
 * An item's change log and the /transactions/sync cursor over it. A cursor is a log position (plus, inside a
 * pagination set, the set's end and how far into it the client is), opaque to clients like Plaid's own.
 */

import type { EmuTransaction } from './emulator-data.ts';
import { PlaidApiError } from './emulator-errors.ts';

export interface LogEntry {
  readonly id: string;
  readonly accountId: string;
  /** State after the change; null = removed. */
  readonly txn: EmuTransaction | null;
}

export interface Cursor {
  /** Log position the pagination set starts from. */
  readonly p: number;
  /** Log length when the set began (only inside a set). */
  readonly e?: number;
  /** Changes of the set already returned (only inside a set). */
  readonly o?: number;
}

export interface Change {
  readonly kind: 'added' | 'modified' | 'removed';
  readonly id: string;
  readonly accountId: string;
  readonly txn: EmuTransaction | null;
}

/** The net effect of log[from, to) on the state at `from`, in order of first change. */
export function netChanges(log: readonly LogEntry[], from: number, to: number): Change[] {
  const existed = new Set<string>();
  for (let i = 0; i < from; i++) {
    const entry = log[i]!;
    if (entry.txn) existed.add(entry.id);
    else existed.delete(entry.id);
  }
  const last = new Map<string, LogEntry>();
  for (let i = from; i < to; i++) last.set(log[i]!.id, log[i]!);
  const changes: Change[] = [];
  for (const [id, entry] of last) {
    const before = existed.has(id);
    if (before && entry.txn)
      changes.push({ kind: 'modified', id, accountId: entry.accountId, txn: entry.txn });
    else if (!before && entry.txn)
      changes.push({ kind: 'added', id, accountId: entry.accountId, txn: entry.txn });
    else if (before) changes.push({ kind: 'removed', id, accountId: entry.accountId, txn: null });
  }
  return changes;
}

export function encodeCursor(itemId: string, cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ i: itemId, ...cursor })).toString('base64url');
}

export function decodeCursor(itemId: string, logLength: number, text: unknown): Cursor {
  if (text === undefined || text === null || text === '') return { p: 0 };
  const invalid = new PlaidApiError(
    400,
    'INVALID_REQUEST',
    'INVALID_FIELD',
    'cursor is not a valid cursor for this item',
  );
  if (typeof text !== 'string') throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const c = parsed as { i?: unknown; p?: unknown; e?: unknown; o?: unknown } | null;
  const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!c || c.i !== itemId || !isIndex(c.p) || (c.p as number) > logLength) throw invalid;
  if (c.e === undefined) return { p: c.p as number };
  if (!isIndex(c.e) || !isIndex(c.o)) throw invalid;
  return { p: c.p as number, e: c.e as number, o: c.o as number };
}
