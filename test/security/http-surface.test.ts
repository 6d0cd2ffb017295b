import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const logged = (level: string, pattern: RegExp) =>
  h.logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['level'] === level && pattern.test(JSON.stringify(entry)));

describe('/healthz answers anyone with the status only', () => {
  test('healthy: {"ok":true}, nothing about where the data lives', async () => {
    const response = await fetch(`${h.target.url}/healthz`);
    assert.equal(response.status, 200);
    const body = await response.text();
    assert.equal(body, '{"ok":true}');
    assert.ok(!body.includes(h.dataDir));
  });

  test('unhealthy: 503 {"ok":false}; the store error goes to the log at error level', async () => {
    const health = h.app.store.health;
    const secretDetail = `SQLITE_CANTOPEN: unable to open ${h.dataDir}/ledger.sqlite`;
    h.app.store.health = async () => ({ ok: false, kind: 'embedded', detail: secretDetail });
    try {
      const response = await fetch(`${h.target.url}/healthz`);
      assert.equal(response.status, 503);
      assert.equal(await response.text(), '{"ok":false}');
    } finally {
      h.app.store.health = health;
    }
    assert.equal(logged('error', /SQLITE_CANTOPEN/).length, 1, 'the detail is logged for the operator');
  });

  test('a store that throws answers 503 {"ok":false} instead of never answering', async () => {
    const health = h.app.store.health;
    h.app.store.health = async () => {
      throw new Error(`disk gone under ${h.dataDir}`);
    };
    try {
      const response = await fetch(`${h.target.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(response.status, 503);
      assert.equal(await response.text(), '{"ok":false}');
    } finally {
      h.app.store.health = health;
    }
    assert.equal(logged('error', /disk gone/).length, 1);
  });
});
