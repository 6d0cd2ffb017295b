import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const tsx = import.meta.resolve('tsx');

function sandbox(script: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'finsync-sandbox-test-')), 'script.txt');
  writeFileSync(file, script);
  return spawnSync(process.execPath, ['--import', tsx, join(root, 'src/sandbox/main.ts'), '--script', file], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env['PATH'] ?? '' },
  });
}

test('the sandbox demo script runs the whole product offline and exits 0', () => {
  const result = spawnSync(
    process.execPath,
    ['--import', tsx, join(root, 'src/sandbox/main.ts'), '--script', join(root, 'sandbox/demo.txt')],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env['PATH'] ?? '' },
    },
  );
  assert.equal(result.status, 0, result.stderr + result.stdout.slice(-2000));
  assert.match(result.stdout, /Connected \*Stripe\* as `stripe`/);
  assert.match(result.stdout, /Succeeded: sync of \*stripe\*/);
  assert.match(result.stdout, /1 of 1 healthy/);
  assert.match(result.stdout, /Home tab/);
  // Stripe's own errors show a key masked to its last 4 (sk_test_****KEY0); the key itself never appears.
  assert.doesNotMatch(result.stdout, /sk_test_[A-Za-z0-9]{8,}/, 'the sandbox credential is never printed');
});

test('a failing line stops the script with a non-zero exit', () => {
  const result = sandbox('/finsync status\n/finsync sync nothing-here\n/finsync help\n');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /"\/finsync sync nothing-here" failed/);
  assert.doesNotMatch(result.stdout, /finsync commands/, 'lines after the failure did not run');
});
