/**
 * Checks the dataset definition finsync sends and the emulator's answers against Microsoft's own swagger
 * (the push-dataset subset kept outside the repository in ../shared/specs/powerbi): required fields present,
 * names matching the declared patterns, no property the definitions do not know. Skips itself when the
 * specs are not there.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type PowerBiEmulator, startPowerBiEmulator } from '../../../connectors/powerbi/emulator.ts';
import { DATASET_NAME, TABLES } from '../../../connectors/powerbi/schema.ts';
import { rawToken } from './helpers.ts';

interface Definition {
  required?: string[];
  properties?: Record<string, { pattern?: string; enum?: string[] }>;
  allOf?: { $ref?: string; properties?: Definition['properties'] }[];
}
interface Swagger {
  paths: Record<string, Record<string, unknown>>;
  definitions: Record<string, Definition>;
}

const SPEC_FILE = fileURLToPath(
  new URL('../../../../shared/specs/powerbi/powerbi.push-datasets.subset.swagger.json', import.meta.url),
);
const skip = existsSync(SPEC_FILE) ? false : `Power BI swagger not found at ${SPEC_FILE}: skipped`;
const spec = (): Swagger => JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Swagger;

/** Every property of a definition, following allOf references. */
function properties(swagger: Swagger, name: string): Record<string, { pattern?: string; enum?: string[] }> {
  const def = swagger.definitions[name] ?? {};
  let out = { ...def.properties };
  for (const part of def.allOf ?? []) {
    out = { ...out, ...(part.$ref ? properties(swagger, part.$ref.split('/').pop()!) : part.properties) };
  }
  return out;
}

function conforms(swagger: Swagger, name: string, value: Record<string, unknown>): string[] {
  // Case-insensitive: the definitions say IsRefreshable where the swagger's own examples (and the wire) say
  // isRefreshable; the definitions come from the C# SDK's naming.
  const known = Object.fromEntries(
    Object.entries(properties(swagger, name)).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const problems = (swagger.definitions[name]?.required ?? [])
    .filter((key) => !(key in value))
    .map((key) => `${name}: missing ${key}`);
  for (const [key, item] of Object.entries(value)) {
    const prop = known[key.toLowerCase()];
    if (!prop) problems.push(`${name}: unknown property ${key}`);
    else if (prop.pattern && typeof item === 'string' && !new RegExp(prop.pattern, 'u').test(item)) {
      problems.push(`${name}.${key}: "${item}" does not match ${prop.pattern}`);
    } else if (prop.enum && !prop.enum.includes(String(item)))
      problems.push(`${name}.${key}: ${item} not in enum`);
  }
  return problems;
}

describe('power bi against the swagger', { skip }, () => {
  let emu: PowerBiEmulator;
  let token: string;
  before(async () => {
    emu = await startPowerBiEmulator();
    token = await rawToken(emu);
  });
  after(() => emu?.close());

  const get = async (path: string) =>
    (await (await fetch(`${emu.url}${path}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      value: Record<string, unknown>[];
    };

  test('the dataset definition finsync creates is a valid CreateDatasetRequest', () => {
    const swagger = spec();
    const request = { name: DATASET_NAME, defaultMode: 'Push', tables: TABLES };
    const problems = conforms(swagger, 'CreateDatasetRequest', request);
    for (const table of TABLES) {
      problems.push(...conforms(swagger, 'Table', { ...table }));
      for (const column of table.columns) problems.push(...conforms(swagger, 'Column', { ...column }));
    }
    assert.deepEqual(problems, []);
  });

  test('the paths the client uses exist (executeQueries and GET group are outside this subset)', () => {
    const paths = Object.keys(spec().paths);
    for (const path of [
      '/v1.0/myorg/groups/{groupId}/datasets',
      '/v1.0/myorg/groups/{groupId}/datasets/{datasetId}/tables',
      '/v1.0/myorg/groups/{groupId}/datasets/{datasetId}/tables/{tableName}/rows',
    ]) {
      assert.ok(paths.includes(path), path);
    }
  });

  test("the emulator's groups, datasets and tables use only the swagger's properties", async () => {
    const swagger = spec();
    const group = emu.control.groupId;
    const created = await fetch(`${emu.url}/v1.0/myorg/groups/${group}/datasets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: DATASET_NAME, defaultMode: 'Push', tables: TABLES }),
    });
    const { id } = (await created.json()) as { id: string };
    const problems = [
      ...(await get('/v1.0/myorg/groups')).value.flatMap((g) => conforms(swagger, 'Group', g)),
      ...(await get(`/v1.0/myorg/groups/${group}/datasets`)).value.flatMap((d) =>
        conforms(swagger, 'Dataset', d),
      ),
      ...(await get(`/v1.0/myorg/groups/${group}/datasets/${id}/tables`)).value.flatMap((t) =>
        conforms(swagger, 'Table', { columns: [], ...t }),
      ),
    ];
    assert.deepEqual(problems, []);
  });
});
