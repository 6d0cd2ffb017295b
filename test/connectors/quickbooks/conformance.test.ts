/**
 * Checks the emulator's wire format against Intuit's own material in ../shared/specs/quickbooks: every field
 * of the emulated entities must exist in Intuit's XSD data model (inheritance included), and the envelopes
 * (QueryResponse, CDCResponse, Fault, token and invalid_grant answers) must have the keys of Intuit's samples.
 * Skips itself, with a message, when ../shared is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { QuickBooksEmulator } from '../../../connectors/quickbooks/emulator.ts';
import { at, emulator, keysAt } from './helpers.ts';

const SPECS = fileURLToPath(new URL('../../../../shared/specs/quickbooks/', import.meta.url));
const skip = existsSync(`${SPECS}intuit-java-sdk-xsd/Finance.xsd`)
  ? false
  : `Intuit specs not found at ${SPECS} (../shared is absent): skipped`;

interface XsdType {
  base: string | null;
  simpleContent: boolean;
  fields: Map<string, string | null>;
}

/** Named complex types of the XSD files: base type, child elements (name → type) and attributes. */
function readXsd(dir: string): Map<string, XsdType> {
  const types = new Map<string, XsdType>();
  const tag = /<(\/?)xs:(complexType|element|attribute|extension|simpleContent)\b([^>]*?)(\/?)>/g;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.xsd'))) {
    const text = readFileSync(`${dir}${file}`, 'utf8');
    const stack: { kind: string; type: XsdType | null }[] = [];
    for (const m of text.matchAll(tag)) {
      const [, closing, kind, attrs = '', selfClosing] = m;
      const attr = (name: string) => new RegExp(`\\b${name}="([^"]+)"`).exec(attrs)?.[1] ?? null;
      if (closing) {
        stack.pop();
        continue;
      }
      const owner = stack.at(-1)?.type ?? null;
      const insideElement = stack.slice(1).some((f) => f.kind === 'element');
      let frameType: XsdType | null = owner;
      if (kind === 'complexType' && stack.length === 0 && attr('name')) {
        frameType = { base: null, simpleContent: false, fields: new Map() };
        types.set(attr('name')!, frameType);
      } else if (owner && !insideElement) {
        if (kind === 'extension') owner.base = attr('base');
        if (kind === 'simpleContent') owner.simpleContent = true;
        if ((kind === 'element' || kind === 'attribute') && attr('name'))
          owner.fields.set(attr('name')!, attr('type'));
      }
      if (!selfClosing)
        stack.push({ kind: kind!, type: kind === 'element' && stack.length > 0 ? null : frameType });
    }
  }
  return types;
}

function fieldsOf(types: Map<string, XsdType>, name: string): Map<string, string | null> | null {
  const type = types.get(name);
  if (!type) return null;
  const inherited = type.base ? (fieldsOf(types, type.base) ?? new Map()) : new Map<string, string | null>();
  if (type.simpleContent) inherited.set('value', null);
  return new Map([...inherited, ...type.fields]);
}

/** "path: problem" for every JSON key the XSD type does not declare, recursively. */
function check(types: Map<string, XsdType>, value: unknown, typeName: string, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => check(types, v, typeName, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const fields = fieldsOf(types, typeName);
  if (!fields) return []; // a simple or anonymous type: nothing more to check
  return Object.entries(value).flatMap(([key, child]) => {
    if (!fields.has(key)) return [`${path}.${key}: not in XSD type ${typeName}`];
    const childType = fields.get(key);
    return childType ? check(types, child, childType.replace(/^\w+:/, ''), `${path}.${key}`) : [];
  });
}

const json = (file: string) => JSON.parse(readFileSync(`${SPECS}${file}`, 'utf8')) as unknown;

let emu: QuickBooksEmulator;
let token: string;
before(async () => {
  emu = await emulator();
  token = emu.control.issueTokens(emu.control.realmIds[1]).access_token;
});
after(() => emu.close());

async function get(path: string) {
  const url = `${emu.url}/v3/company/${emu.control.realmIds[1]}/${path}`;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return (await response.json()) as unknown;
}

describe('QuickBooks emulator conformance with Intuit specs', { skip }, () => {
  test('every emitted entity field exists in the XSD data model', async () => {
    const types = readXsd(`${SPECS}intuit-java-sdk-xsd/`);
    const realm = emu.control.realmIds[1];
    const problems = [
      ...(['Customer', 'Invoice', 'Payment'] as const).flatMap((entity) =>
        emu.control.entities(entity, realm).flatMap((e, i) => check(types, e, entity, `${entity}[${i}]`)),
      ),
      ...check(types, at(await get(`companyinfo/${realm}`), 'CompanyInfo'), 'CompanyInfo', 'CompanyInfo'),
      ...check(types, at(await get('preferences'), 'Preferences'), 'Preferences', 'Preferences'),
    ];
    assert.deepEqual(problems, []);
    // The checker itself must notice an unknown field.
    assert.equal(check(types, { Bogus: 1 }, 'Invoice', 'x').length, 1);
    assert.deepEqual(check(types, { Line: [{ SalesItemLineDetail: { Bogus: 1 } }] }, 'Invoice', 'x'), [
      'x.Line[0].SalesItemLineDetail.Bogus: not in XSD type SalesItemLineDetail',
    ]);
    assert.deepEqual(check(types, { CurrencyRef: { value: 'USD', bogus: 1 } }, 'Invoice', 'x'), [
      'x.CurrencyRef.bogus: not in XSD type ReferenceType',
    ]);
  });

  test('QueryResponse, CDCResponse and Fault envelopes have the keys of Intuit samples', async () => {
    const sample = json('intuit-java-sdk-json-samples/query_response_account.json');
    const query = await get(`query?query=${encodeURIComponent('SELECT * FROM Invoice MAXRESULTS 5')}`);
    assert.deepEqual(keysAt(query), keysAt(sample));
    const paging = (body: unknown, entity: string) =>
      keysAt(body, 'QueryResponse').filter((k) => k !== entity);
    assert.deepEqual(paging(query, 'Invoice'), paging(sample, 'Account'));
    const offsetTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-\d\d:\d\d$/;
    assert.match(String(at(sample, 'time')), offsetTime);
    assert.match(String(at(query, 'time')), offsetTime);

    const cdcSample = json('intuit-java-sdk-json-samples/cdc_response_deposit.json');
    const since = new Date(Date.now() - 86_400_000).toISOString();
    emu.control.create('Invoice', { realmId: emu.control.realmIds[1] });
    const cdc = await get(`cdc?entities=Invoice&changedSince=${since}`);
    assert.deepEqual(keysAt(cdc), keysAt(cdcSample));
    assert.ok(Array.isArray(at(cdc, 'CDCResponse.0.QueryResponse.0.Invoice')));
    assert.ok(Array.isArray(at(cdcSample, 'CDCResponse.0.QueryResponse.0.Deposit')));

    const faultSample = json('intuit-java-sdk-json-samples/fault_validation_response.json');
    const fault = await get(`query?query=${encodeURIComponent('SELECT nonsense')}`);
    assert.deepEqual(keysAt(fault), keysAt(faultSample));
    assert.deepEqual(keysAt(fault, 'Fault'), keysAt(faultSample, 'Fault'));
    // Intuit's sample error has no Detail; real validation faults carry one.
    const errorKeys = (body: unknown) => keysAt(body, 'Fault.Error.0').filter((k) => k !== 'Detail');
    assert.deepEqual(errorKeys(fault), errorKeys(faultSample));
  });

  test("token and invalid_grant answers have the shapes of Intuit's OAuth client mocks", async () => {
    const mock = json('intuit-oauth-jsclient-mocks/refreshResponse.json');
    const issued = emu.control.issueTokens();
    const post = (refresh: string) =>
      fetch(`${emu.url}/oauth2/v1/tokens/bearer`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
    const refreshed = await post(issued.refresh_token);
    // id_token comes only with OpenID scopes, which finsync does not ask for.
    const expected = keysAt(mock).filter((k) => k !== 'id_token');
    assert.deepEqual(keysAt(refreshed.body), expected);
    for (const key of expected) assert.equal(typeof at(refreshed.body, key), typeof at(mock, key), key);
    const error = json('intuit-oauth-jsclient-mocks/errorResponse.json');
    assert.deepEqual(await post('AB11-not-a-token'), {
      status: at(error, 'response.status'),
      body: at(error, 'json'),
    });
  });
});
