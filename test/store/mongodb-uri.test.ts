/**
 * Until finsync has a MongoDB store, MONGODB_URI stops start-up with one clear line: never a silent fall
 * back to the folder, whose data the other processes (pointed at MongoDB) would not see. Tried on the real
 * entry points as OS processes: `npm start` (src/main.ts) and the CLI (bin/finsync.js).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const LINE =
  'finsync: MONGODB_URI is set, but this version of finsync has no MongoDB store yet: unset it to use the embedded store in FINSYNC_DATA_DIR';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(args: readonly string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'finsync-mongodb-uri-'));
  dirs.push(cwd);
  const dataDir = join(cwd, 'data');
  const result = spawnSync(process.execPath, args, {
    cwd,
    env: {
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      FINSYNC_DATA_DIR: dataDir,
      MONGODB_URI: 'mongodb://127.0.0.1:9/finsync',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { ...result, dataDir };
}

describe('MONGODB_URI without a MongoDB store', () => {
  test('npm start prints one line, exits 1 and writes nothing to the data folder', () => {
    const result = run(['--import', import.meta.resolve('tsx'), join(ROOT, 'src/main.ts')]);
    assert.equal(result.status, 1, result.stderr);
    assert.deepEqual(result.stderr.trim().split('\n'), [LINE]);
    assert.equal(result.stdout, '');
    assert.equal(existsSync(result.dataDir), false, 'no embedded store was opened instead');
  });

  test('the CLI prints the same line and exits 1', () => {
    const result = run([join(ROOT, 'bin/finsync.js'), 'status']);
    assert.equal(result.status, 1, result.stderr);
    assert.deepEqual(result.stderr.trim().split('\n'), [LINE]);
    assert.equal(result.stdout, '');
    assert.equal(existsSync(result.dataDir), false);
  });
});
