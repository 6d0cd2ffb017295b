/**
 * The README's four key-rotation steps, followed exactly, with the app running (this process) and
 * `npx finsync rotate-key` run beside it (a child process) on the same data folder, across every provider.
 * The app writes credentials between the steps (a QuickBooks refresh token rotates on use; every sync
 * touches its connection), which used to put re-wrapped data keys back under the old key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_REALMS } from '../../connectors/quickbooks/emulator.ts';
import { createApp, type FinsyncApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { Keyring } from '../../src/security/crypto.ts';
import {
  ADMIN,
  closeEmulators,
  connectPowerBi,
  connectQuickBooks,
  connectStripe,
  type Harness,
  startHarness,
} from '../helpers/app-harness.ts';

const root = join(import.meta.dirname, '..', '..');
const REALM = DEFAULT_REALMS[0]!.realmId;
const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const CONNECTIONS = ['plaid', 'powerbi', 'quickbooks', 'stripe'];

let h: Harness;
let app: FinsyncApp;

/** `npx finsync rotate-key` as an operator runs it, in its own process. */
function rotateKey(keys: Record<string, string>): string {
  const result = spawnSync(process.execPath, [join(root, 'bin/finsync.js'), 'rotate-key'], {
    env: { PATH: process.env['PATH'] ?? '', FINSYNC_DATA_DIR: h.dataDir, ...keys },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** Restarts the app on the same folder and emulators with other key settings (steps 2 and 4). */
async function restart(keys: Record<string, string>): Promise<void> {
  await app.stop();
  const env: Record<string, string> = { ...h.env };
  delete env['FINSYNC_ENCRYPTION_KEY_NEW'];
  delete env['FINSYNC_ENCRYPTION_KEY_PREVIOUS'];
  app = await createApp(loadConfig({ ...env, ...keys }), {
    processBeforeResponse: true,
    schedulerPollMs: 200,
    schedulerLockMs: 2_000,
    sleep: async () => {},
  });
  await app.start();
}

/** What the running app writes in passing: every connection synced, QuickBooks' refresh token rotated. */
async function appWrites(): Promise<void> {
  h.quickbooks.control.expireAccessTokens(REALM);
  for (const name of CONNECTIONS) {
    const run = await app.finsync.runJob({
      connection: name,
      trigger: 'manual',
      triggeredBy: ADMIN,
      notify: { kind: 'none' },
    });
    assert.equal(run.status, 'success', `${name}: ${run.errorMessage}`);
  }
}

async function sealedUnder(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const c of await app.store.listConnections()) ids[c.name] = c.credentials.keyId;
  return ids;
}

describe('rotating the encryption key as the README says, with the app running', () => {
  before(async () => {
    h = await startHarness({
      env: { FINSYNC_ENCRYPTION_KEY: oldKey, FINSYNC_ENCRYPTION_KEY_NEW: newKey },
    });
    app = h.app;
    await connectStripe(h);
    const item = h.plaid.control.createItem();
    await app.finsync.connect({
      provider: 'plaid',
      name: 'plaid',
      input: { access_token: item.accessToken },
      actor: ADMIN,
      fromOAuth: true,
    });
    await connectQuickBooks(h, REALM);
    await connectPowerBi(app.finsync);
  });
  after(async () => {
    await app.stop();
    await closeEmulators(h);
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('every step, then every credential opens under the new key alone and every provider still syncs', async () => {
    const oldId = new Keyring(Buffer.from(oldKey, 'base64')).currentId;
    const newId = new Keyring(Buffer.from(newKey, 'base64')).currentId;
    assert.deepEqual(Object.values(await sealedUnder()), [oldId, oldId, oldId, oldId]);

    // 1. FINSYNC_ENCRYPTION_KEY_NEW set for the app and the CLI; the CLI rotates while the app runs.
    assert.match(
      rotateKey({ FINSYNC_ENCRYPTION_KEY: oldKey, FINSYNC_ENCRYPTION_KEY_NEW: newKey }),
      /4 re-wrapped/,
    );
    // The app, still sealing with the old key, writes every connection (QuickBooks' token rotates).
    await appWrites();
    const afterStep1 = await sealedUnder();
    assert.equal(afterStep1['stripe'], newId, 'an app write did not put a re-wrapped key back');
    assert.equal(afterStep1['quickbooks'], oldId, 'the rotated token was sealed by the app, under its key');

    // 2. The new key becomes the key, the old one previous; restart.
    await restart({ FINSYNC_ENCRYPTION_KEY: newKey, FINSYNC_ENCRYPTION_KEY_PREVIOUS: oldKey });

    // 3. Once more: it re-wraps what the app sealed under the old key in between.
    assert.match(
      rotateKey({ FINSYNC_ENCRYPTION_KEY: newKey, FINSYNC_ENCRYPTION_KEY_PREVIOUS: oldKey }),
      /1 re-wrapped, 3 already were/,
    );
    await appWrites();

    // 4. The previous key goes; restart. Every credential opens under the new key alone.
    await restart({ FINSYNC_ENCRYPTION_KEY: newKey });
    const onlyNew = new Keyring(Buffer.from(newKey, 'base64'));
    for (const c of await app.store.listConnections()) {
      assert.equal(c.credentials.keyId, newId, c.name);
      assert.ok(onlyNew.open(c.credentials, `connection:${c.name}`).length > 0);
    }
    // The QuickBooks refresh token kept is the one Intuit issued last (no process put an older one back).
    const quickbooks = await app.store.getConnection('quickbooks');
    const stored = JSON.parse(onlyNew.open(quickbooks!.credentials, 'connection:quickbooks')) as {
      refresh_token: string;
    };
    assert.equal(stored.refresh_token, h.quickbooks.control.latestRefreshToken(REALM));
    await appWrites();
  });
});
