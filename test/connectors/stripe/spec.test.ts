/**
 * Checks the emulator's answers against Stripe's own OpenAPI description (API version 2023-08-16), kept
 * outside the repository in ../shared/specs/stripe. Every emitted field must exist in the schema with the
 * right type, and every required field must be present. Skips itself when the specs are not there.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';

interface Schema {
  $ref?: string;
  anyOf?: Schema[];
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
}
interface Spec {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
}

const SPEC_DIR = fileURLToPath(new URL('../../../../shared/specs/stripe/', import.meta.url));
const SPEC_FILE = `${SPEC_DIR}spec3.subset.2023-08-16.json`;
const available = existsSync(SPEC_FILE);
const skip = available
  ? false
  : `Stripe OpenAPI spec not found at ${SPEC_FILE} (../shared is absent): skipped`;

/** Problems of `value` against `schema`, as "path: what" lines; empty when it conforms. */
function check(spec: Spec, value: unknown, schema: Schema, path: string): string[] {
  if (schema.$ref) return check(spec, value, spec.components.schemas[schema.$ref.split('/').pop()!]!, path);
  if (value === null && schema.nullable) return [];
  if (schema.anyOf) {
    const results = schema.anyOf.map((s) => check(spec, value, s, path));
    return results.some((r) => r.length === 0) ? [] : (results.sort((a, b) => a.length - b.length)[0] ?? []);
  }
  if (value === null) return schema.nullable ? [] : [`${path}: null but not nullable`];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in enum`];
  switch (schema.type) {
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: not a number`];
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: not a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      return value.flatMap((item, i) =>
        schema.items ? check(spec, item, schema.items, `${path}[${i}]`) : [],
      );
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
      const obj = value as Record<string, unknown>;
      const problems = (schema.required ?? [])
        .filter((k) => !(k in obj))
        .map((k) => `${path}.${k}: required, missing`);
      for (const [key, item] of Object.entries(obj)) {
        const property = schema.properties?.[key];
        if (property) problems.push(...check(spec, item, property, `${path}.${key}`));
        else if (schema.properties && !schema.additionalProperties)
          problems.push(`${path}.${key}: not in the spec`);
      }
      return problems;
    }
    default:
      return [];
  }
}

function responseSchema(spec: Spec, path: string, status: string): Schema {
  const schema = spec.paths[path]?.get?.responses[status]?.content?.['application/json']?.schema;
  assert.ok(schema, `spec has no ${status} schema for GET ${path}`);
  return schema;
}

let spec: Spec;
let emu: StripeEmulator;

async function get(path: string, key = EMULATOR_SECRET_KEY): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${emu.url}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

describe('stripe emulator conforms to Stripe’s OpenAPI spec', { skip }, () => {
  before(async () => {
    spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
    emu = await startStripeEmulator({ count: 400, seed: 3 });
  });
  after(() => emu?.close());

  test('balance, every list and every retrieve answer match their response schemas', async () => {
    const balance = await get('/v1/balance');
    assert.deepEqual(check(spec, balance.body, responseSchema(spec, '/v1/balance', '200'), 'balance'), []);
    const retrieveParam: Record<string, string> = {
      balance_transactions: 'id',
      charges: 'charge',
      refunds: 'refund',
      payouts: 'payout',
      customers: 'customer',
    };
    for (const [resource, param] of Object.entries(retrieveParam)) {
      const listed = await get(`/v1/${resource}?limit=100`);
      assert.equal(listed.status, 200);
      const problems = check(spec, listed.body, responseSchema(spec, `/v1/${resource}`, '200'), resource);
      assert.deepEqual(problems.slice(0, 10), [], resource);
      const first = (listed.body as { data: { id: string }[] }).data[0]!;
      const one = await get(`/v1/${resource}/${first.id}`);
      const schema = responseSchema(spec, `/v1/${resource}/{${param}}`, '200');
      assert.deepEqual(check(spec, one.body, schema, `${resource}/${first.id}`), []);
    }
  });

  test('the account object matches the account schema', async () => {
    const account = await get('/v1/account');
    const problems = check(spec, account.body, { $ref: '#/components/schemas/account' }, 'account');
    assert.deepEqual(problems, []);
  });

  test('error answers match the error envelope', async () => {
    const errorSchema = responseSchema(spec, '/v1/charges', 'default');
    const answers = [
      await get('/v1/charges', 'sk_test_51NoSuchKeyAnywhere00000000'),
      await get('/v1/charges?limit=500'),
      await get('/v1/charges/ch_missing'),
    ];
    emu.control.injectFault({ type: 'rate_limit' });
    answers.push(await get('/v1/charges'));
    emu.control.injectFault({ type: 'server_error' });
    answers.push(await get('/v1/charges'));
    assert.deepEqual(
      answers.map((a) => a.status),
      [401, 400, 404, 429, 500],
    );
    for (const answer of answers)
      assert.deepEqual(check(spec, answer.body, errorSchema, `error ${answer.status}`), []);
  });
});
