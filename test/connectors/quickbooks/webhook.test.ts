import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  parseIntuitWebhook,
  streamsForNotification,
  verifyIntuitSignature,
} from '../../../connectors/quickbooks/webhook.ts';
import { InvalidRequestError } from '../../../src/errors.ts';

const DIR = fileURLToPath(new URL('../../../../shared/specs/quickbooks/webhooks/', import.meta.url));
const VECTORS = `${DIR}intuit_signature_test_vector.json`;
const skip = existsSync(VECTORS)
  ? false
  : `Intuit webhook vectors not found at ${VECTORS} (../shared is absent): skipped`;

interface Vector {
  readonly verifier_token: string;
  readonly payload_file: string;
  readonly intuit_signature: string;
}

describe('Intuit webhook signatures', () => {
  test("Intuit's official test vectors verify, and fail with any change", { skip }, () => {
    const { vectors } = JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: Vector[] };
    assert.equal(vectors.length, 2);
    for (const vector of vectors) {
      const body = readFileSync(`${DIR}${vector.payload_file.split(' ')[0]}`);
      assert.equal(verifyIntuitSignature(body, vector.intuit_signature, vector.verifier_token), true);
      assert.equal(
        verifyIntuitSignature(
          Buffer.concat([body, Buffer.from('\n')]),
          vector.intuit_signature,
          vector.verifier_token,
        ),
        false,
      );
      assert.equal(verifyIntuitSignature(body, vector.intuit_signature, `${vector.verifier_token}x`), false);
      assert.ok(parseIntuitWebhook(body).realmIds.length === 1);
    }
  });

  test('a self-made vector: base64 HMAC-SHA256 of the raw bytes with the verifier token', () => {
    const body = Buffer.from(
      '{"eventNotifications":[{"realmId":"9341453050298464","dataChangeEvent":{"entities":[' +
        '{"name":"Invoice","id":"1001","operation":"Update","lastUpdated":"2025-06-01T10:00:00.000Z"}]}}]}',
    );
    const token = 'finsync-verifier-token';
    const signature = createHmac('sha256', token).update(body).digest('base64');
    // Computed independently with Python's hmac module.
    assert.equal(signature, 'RnqWlAlZzkvi5tjwC/Irp34LeFQMIUtGSzoGyXc/axg=');
    assert.equal(verifyIntuitSignature(body, signature, token), true);
    assert.equal(verifyIntuitSignature(body, ` ${signature} `, token), true);
    assert.equal(verifyIntuitSignature(body, signature.replace(/.$/, 'A'), token), false);
    assert.equal(verifyIntuitSignature(body, signature.slice(0, -1), token), false);
    assert.equal(verifyIntuitSignature(body, '', token), false);
    assert.equal(verifyIntuitSignature(body, signature, ''), false);
  });
});

describe('Intuit webhook payloads', () => {
  test('realm ids and changed entities are read; entities map to the streams they touch', () => {
    const parsed = parseIntuitWebhook(
      JSON.stringify({
        eventNotifications: [
          {
            realmId: '1269959970',
            dataChangeEvent: {
              entities: [
                { name: 'Vendor', id: '40', operation: 'Update', lastUpdated: '2016-10-05T03:09:04.000Z' },
                { name: 'Customer', id: '43', operation: 'Create', lastUpdated: '2016-10-05T03:07:04.000Z' },
                { name: 'Invoice', id: '9', operation: 'Delete', lastUpdated: '2016-10-05T03:07:04.000Z' },
                { name: 'Customer', id: '7', operation: 'Merge', deletedId: '8' },
              ],
            },
          },
          { realmId: '1269959970', dataChangeEvent: { entities: [] } },
        ],
      }),
    );
    assert.deepEqual(parsed.realmIds, ['1269959970']);
    const first = parsed.notifications[0]!;
    assert.deepEqual(first.entities[2], {
      name: 'Invoice',
      id: '9',
      operation: 'Delete',
      lastUpdated: '2016-10-05T03:07:04.000Z',
      deletedId: null,
    });
    assert.equal(first.entities[3]?.deletedId, '8');
    assert.deepEqual(streamsForNotification(first), ['customers', 'invoices']);
  });

  test('anything else is refused', () => {
    assert.throws(() => parseIntuitWebhook('not json'), InvalidRequestError);
    assert.throws(() => parseIntuitWebhook({ events: [] }), InvalidRequestError);
    assert.throws(
      () => parseIntuitWebhook({ eventNotifications: [{ dataChangeEvent: {} }] }),
      InvalidRequestError,
    );
  });
});
