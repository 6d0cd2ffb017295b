import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Keyring } from '../../src/security/crypto.ts';
import { rotateKeys } from '../../src/security/rotate-key.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { Connection } from '../../src/store/types.ts';

const root = join(import.meta.dirname, '..', '..');

function connection(name: string, keyring: Keyring): Connection {
  return {
    name,
    provider: 'stripe',
    accountLabel: name,
    accountId: null,
    credentials: keyring.seal(JSON.stringify({ api_key: `sk_test_${name}_secret` }), `connection:${name}`),
    state: 'active',
    stateReason: null,
    schedule: null,
    createdAt: '2026-01-01T00:00:00Z',
    createdBy: 'U1',
  };
}

test('rotation interrupted half-way is finished by running it again; afterwards only the new key opens every credential', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-rotate-'));
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const store = await EmbeddedStore.open(dir);
  try {
    for (const name of ['a', 'b', 'c', 'd'])
      await store.createConnection(connection(name, new Keyring(oldKey)));
    let done = 0;
    await assert.rejects(
      rotateKeys(
        store,
        { current: oldKey, next: newKey },
        {
          afterEach: () => {
            if (++done === 2) throw new Error('killed half-way');
          },
        },
      ),
      /killed half-way/,
    );
    // Half-way, the running app (which knows both keys) still opens everything.
    const both = new Keyring(oldKey, [newKey]);
    for (const c of await store.listConnections())
      assert.match(both.open(c.credentials, `connection:${c.name}`), /sk_test_/);

    const again = await rotateKeys(store, { current: oldKey, next: newKey });
    assert.deepEqual(again.rewrapped, ['c', 'd']);
    assert.deepEqual(again.alreadyDone, ['a', 'b']);
    const onlyNew = new Keyring(newKey);
    for (const c of await store.listConnections()) {
      assert.equal(
        onlyNew.open(c.credentials, `connection:${c.name}`),
        JSON.stringify({ api_key: `sk_test_${c.name}_secret` }),
      );
      assert.throws(() => new Keyring(oldKey).open(c.credentials, `connection:${c.name}`), /not configured/);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npx finsync rotate-key: the documented procedure, end to end, with an audit entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-rotate-cli-'));
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const store = await EmbeddedStore.open(dir);
  await store.createConnection(connection('stripe', new Keyring(oldKey)));
  await store.close();
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [join(root, 'bin/finsync.js'), 'rotate-key'], {
      env: { PATH: process.env['PATH'] ?? '', FINSYNC_DATA_DIR: dir, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  try {
    const missing = run({ FINSYNC_ENCRYPTION_KEY: oldKey.toString('base64') });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /set FINSYNC_ENCRYPTION_KEY_NEW/);

    const step1 = run({
      FINSYNC_ENCRYPTION_KEY: oldKey.toString('base64'),
      FINSYNC_ENCRYPTION_KEY_NEW: newKey.toString('base64'),
    });
    assert.equal(step1.status, 0, step1.stderr);
    assert.match(step1.stdout, /1 re-wrapped/);
    // Meanwhile the app (still on the old key) connected another system, sealed under the old key.
    const meanwhile = await EmbeddedStore.open(dir);
    await meanwhile.createConnection(connection('late', new Keyring(oldKey)));
    await meanwhile.close();

    const step3 = run({
      FINSYNC_ENCRYPTION_KEY: newKey.toString('base64'),
      FINSYNC_ENCRYPTION_KEY_PREVIOUS: oldKey.toString('base64'),
    });
    assert.equal(step3.status, 0, step3.stderr);
    assert.match(step3.stdout, /1 re-wrapped, 1 already were/);

    const after = await EmbeddedStore.open(dir);
    const onlyNew = new Keyring(newKey);
    for (const c of await after.listConnections())
      assert.match(onlyNew.open(c.credentials, `connection:${c.name}`), /sk_test_/);
    assert.equal(
      (await after.listAudit(5)).filter((e) => e.action === 'rotate-key' && e.actor === 'cli').length,
      2,
    );
    await after.close();
    // Credentials are sealed at rest: no byte of the database (or its write-ahead log) holds the key.
    for (const file of readdirSync(dir).filter((f) => f.startsWith('finsync.db')))
      assert.ok(!readFileSync(join(dir, file), 'latin1').includes('sk_test_'), file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
