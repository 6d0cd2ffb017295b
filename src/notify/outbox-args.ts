/**
 * What an outbox message carries: a Web API method and its arguments, where a top-level argument may
 * refer to the result of another message (`{ fromKey }`), resolved when it is sent. Also the marker every
 * chat.postMessage carries in its message metadata, so a post whose answer was lost can be found again.
 */
import { InternalError, InvalidRequestError } from '../errors.ts';

export const OUTBOX_METHODS = [
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'views.publish',
] as const;
export type OutboxMethod = (typeof OUTBOX_METHODS)[number];

/** Refers to what Slack answered for another message: its `ts` (default) or its `channel`. */
export interface ResultRef {
  readonly fromKey: string;
  readonly field?: 'ts' | 'channel';
}

/** Web API arguments (JSON); a top-level value may be a ResultRef. */
export type OutboxArgs = Readonly<Record<string, unknown>>;

export interface OutboxMessage {
  /** Idempotency key of the event, e.g. `incident:42:update:3`: one message per key, ever. */
  readonly key: string;
  /** The pacing and ordering lane: the channel id (or the user id for a DM or views.publish). */
  readonly channel: string;
  readonly method: OutboxMethod;
  readonly args: OutboxArgs;
}

export interface DeliveredResult {
  readonly ts: string | undefined;
  readonly channel: string | undefined;
}

/** Where the marker lives inside `metadata.event_payload`. */
export const MARKER_FIELD = 'finsync_outbox_key';
const MARKER_EVENT_TYPE = 'finsync_outbox';

export function isOutboxMethod(value: unknown): value is OutboxMethod {
  return typeof value === 'string' && (OUTBOX_METHODS as readonly string[]).includes(value);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function asRef(name: string, value: unknown): ResultRef | undefined {
  if (!isRecord(value) || !('fromKey' in value)) return undefined;
  const { fromKey, field, ...rest } = value;
  const valid =
    typeof fromKey === 'string' &&
    fromKey !== '' &&
    (field === undefined || field === 'ts' || field === 'channel') &&
    Object.keys(rest).length === 0;
  if (!valid)
    throw new InvalidRequestError(`outbox argument ${name} is not a valid { fromKey, field? } reference`);
  return field === undefined ? { fromKey } : { fromKey, field };
}

/** Checks a message before it is stored, fills the lane's channel/user in, and lists the keys it waits for. */
export function prepareMessage(message: OutboxMessage): {
  args: Record<string, unknown>;
  dependsOn: string[];
} {
  const { key, channel, method } = message;
  if (typeof key !== 'string' || key === '') throw new InvalidRequestError('an outbox message needs a key');
  if (typeof channel !== 'string' || channel === '')
    throw new InvalidRequestError(`outbox message ${key} needs a channel`);
  if (!isOutboxMethod(method))
    throw new InvalidRequestError(`outbox message ${key}: unsupported method ${method}`);
  if (!isRecord(message.args)) throw new InvalidRequestError(`outbox message ${key}: args must be an object`);
  const args: Record<string, unknown> = { ...message.args };
  if (method === 'views.publish') args['user_id'] ??= channel;
  else args['channel'] ??= channel;
  const dependsOn = new Set<string>();
  for (const [name, value] of Object.entries(args)) {
    const ref = asRef(name, value);
    if (ref) dependsOn.add(ref.fromKey);
  }
  if (dependsOn.has(key)) throw new InvalidRequestError(`outbox message ${key} refers to itself`);
  return { args, dependsOn: [...dependsOn] };
}

/** Replaces references by the results they name; every dependency must be delivered by now. */
export function resolveArgs(
  args: OutboxArgs,
  resultOf: (key: string) => DeliveredResult | undefined,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    const ref = asRef(name, value);
    if (!ref) {
      resolved[name] = value;
      continue;
    }
    const result = resultOf(ref.fromKey);
    const field = ref.field ?? 'ts';
    const found = result?.[field];
    if (found === undefined) throw new InternalError(`${ref.fromKey} has no delivered ${field} for ${name}`);
    resolved[name] = found;
  }
  return resolved;
}

/** chat.postMessage gets the outbox key in its message metadata (kept beside any metadata of the caller's). */
export function withMarker(
  method: OutboxMethod,
  args: Record<string, unknown>,
  key: string,
): Record<string, unknown> {
  if (method !== 'chat.postMessage') return args;
  let metadata: unknown = args['metadata'];
  if (typeof metadata === 'string') {
    try {
      metadata = JSON.parse(metadata);
    } catch {
      return args;
    }
  }
  const given = isRecord(metadata) ? metadata : {};
  const payload = isRecord(given['event_payload']) ? given['event_payload'] : {};
  return {
    ...args,
    metadata: {
      event_type: typeof given['event_type'] === 'string' ? given['event_type'] : MARKER_EVENT_TYPE,
      event_payload: { ...payload, [MARKER_FIELD]: key },
    },
  };
}

/** The outbox key a message from conversations.history/replies carries, if any. */
export function markerOf(message: unknown): string | undefined {
  if (!isRecord(message) || !isRecord(message['metadata'])) return undefined;
  const payload = message['metadata']['event_payload'];
  const key = isRecord(payload) ? payload[MARKER_FIELD] : undefined;
  return typeof key === 'string' ? key : undefined;
}
