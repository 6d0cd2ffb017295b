/**
 * The emulator's wire helpers: replies, Sage's error array, and JSON whose amounts are written either as
 * decimal strings or as number literals with their exact digits (JSON.stringify could only write a double).
 */
export interface Reply {
  readonly status: number;
  /** A value to send as JSON, or text already encoded. */
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A JSON number literal written with exactly these digits (`120.50`, `-0.005`, `12345678901234.56`). */
export class NumberText {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `${MARK}${this.text}`;
  }
}

const MARK = '\u0000num:';
const MARKED = /"\\u0000num:(-?\d+(?:\.\d+)?)"/g;

/** JSON text in which every NumberText is a number literal with its own digits. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value).replace(MARKED, '$1');
}

/** Sage's error answer: an array of `{ $severity, $dataCode, $message, $source }`. */
export function sageError(status: number, dataCode: string, message: string, source = ''): Reply {
  return { status, body: [{ $severity: 'error', $dataCode: dataCode, $message: message, $source: source }] };
}
