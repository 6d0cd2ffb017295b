/**
 * Intuit webhooks: the `intuit-signature` header is base64(HMAC-SHA256(raw body, verifier token)), and the
 * payload lists, per company (realm), the entities that changed. Pure functions; the HTTP route is the app's.
 * A notification only says *that* something changed: the receiver enqueues a sync of the affected streams,
 * which reads the changes through CDC like any other run.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidRequestError } from '../../src/errors.ts';

/** Whether `signature` is the verifier token's HMAC of exactly these bytes (constant-time comparison). */
export function verifyIntuitSignature(rawBody: Buffer, signature: string, verifierToken: string): boolean {
  if (!verifierToken || !signature) return false;
  const expected = Buffer.from(createHmac('sha256', verifierToken).update(rawBody).digest('base64'));
  const given = Buffer.from(signature.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface IntuitChangedEntity {
  /** Entity name as Intuit spells it: "Invoice", "Payment", "Customer", … */
  readonly name: string;
  readonly id: string;
  /** Create, Update, Delete, Merge, Void, Emailed. */
  readonly operation: string;
  readonly lastUpdated: string | null;
  /** For Merge: the id that was merged away. */
  readonly deletedId: string | null;
}

export interface IntuitNotification {
  readonly realmId: string;
  readonly entities: readonly IntuitChangedEntity[];
}

export interface IntuitWebhook {
  readonly realmIds: readonly string[];
  readonly notifications: readonly IntuitNotification[];
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null;
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Parses `{"eventNotifications":[{"realmId", "dataChangeEvent":{"entities":[…]}}]}`; throws on anything else. */
export function parseIntuitWebhook(body: Buffer | string | unknown): IntuitWebhook {
  let data: unknown = body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    try {
      data = JSON.parse(body.toString());
    } catch {
      throw new InvalidRequestError('Intuit webhook body is not JSON');
    }
  }
  const list = isObject(data) ? data['eventNotifications'] : undefined;
  if (!Array.isArray(list)) throw new InvalidRequestError('Intuit webhook body has no eventNotifications');
  const notifications: IntuitNotification[] = [];
  for (const item of list) {
    const realmId = isObject(item) ? str(item['realmId']) : null;
    if (!isObject(item) || !realmId)
      throw new InvalidRequestError('Intuit webhook notification without realmId');
    const event = item['dataChangeEvent'];
    const raw = isObject(event) && Array.isArray(event['entities']) ? event['entities'] : [];
    const entities = raw.filter(isObject).flatMap((e): IntuitChangedEntity[] => {
      const name = str(e['name']);
      const id = str(e['id']);
      if (!name || !id) return [];
      return [
        {
          name,
          id,
          operation: str(e['operation']) ?? 'Update',
          lastUpdated: str(e['lastUpdated']),
          deletedId: str(e['deletedId']),
        },
      ];
    });
    notifications.push({ realmId, entities });
  }
  return { realmIds: [...new Set(notifications.map((n) => n.realmId))], notifications };
}

const STREAM_OF_ENTITY: Readonly<Record<string, string>> = {
  customer: 'customers',
  invoice: 'invoices',
  payment: 'payments',
};

/** The connector's streams a notification touches (entities finsync does not sync are ignored). */
export function streamsForNotification(notification: IntuitNotification): string[] {
  const names = notification.entities.map((e) => STREAM_OF_ENTITY[e.name.toLowerCase()]);
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}
