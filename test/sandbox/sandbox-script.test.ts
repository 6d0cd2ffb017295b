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
  assert.match(result.stdout, /Connected Stripe as `stripe`/);
  assert.match(result.stdout, /Succeeded: sync of stripe/);
  assert.match(result.stdout, /1 of 1 healthy/);
  assert.match(result.stdout, /Home tab/);
  // The demo's Stripe activity is dated yesterday and today, so its digest (of yesterday) shows money.
  assert.match(
    result.stdout,
    /finsync daily digest[\s\S]*Money on [\s\S]*USD in [\d,.]+ USD · out [\d,.]+ USD/,
  );
  assert.doesNotMatch(result.stdout, /No data for/);
  // The alert's advice is followed: the connection is reconnected in place, then cash shows the money.
  assert.match(result.stdout, /Reconnected `stripe`/);
  assert.match(
    result.stdout,
    /Cash, yesterday[\s\S]*USD: in [\d,.]+ USD · out [\d,.]+ USD · net [+-][\d,.]+ USD/,
  );
  assert.match(result.stdout, /Stripe balance: available/);
  // PayPal connects by its form and syncs; its balance is asked live too.
  assert.match(result.stdout, /Connected PayPal as `paypal`/);
  assert.match(result.stdout, /Succeeded: sync of paypal/);
  assert.match(result.stdout, /PayPal balance: total/);
  // Sage connects through its consent page (the sandbox's browser follows it), syncs, and shows its balances.
  assert.match(result.stdout, /Connected Sage Accounting as `sage`/);
  assert.match(result.stdout, /Succeeded: sync of sage/);
  assert.match(result.stdout, /Sage Current Account \(1200\): current [\d,.]+ GBP/);
  // The payment loop: a link for exactly 1,250.00 EUR, paid by the customer, told in the request's thread.
  assert.match(
    result.stdout,
    /Payment request · 1,250\.00 EUR \(one thousand two hundred fifty EUR and 00\/100\)/,
  );
  assert.match(
    result.stdout,
    /thread reply ──\n✅ Paid: received 1,250\.00 EUR\nStripe fee 36\.55 EUR · net 1,213\.45 EUR/,
  );
  // Stripe's own errors show a key masked to its last 4 (sk_test_****KEY0); the key itself never appears.
  assert.doesNotMatch(result.stdout, /sk_test_[A-Za-z0-9]{8,}/, 'the sandbox credential is never printed');
});

test('a failing line stops the script with a non-zero exit', () => {
  const result = sandbox('/finsync status\n/finsync sync nothing-here\n/finsync help\n');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /"\/finsync sync nothing-here" failed/);
  assert.doesNotMatch(result.stdout, /finsync commands/, 'lines after the failure did not run');
});

test('links carry the real port, open follows them, and QuickBooks, Plaid and Power BI connect as in a browser', () => {
  const result = sandbox(
    [
      '/finsync connect quickbooks',
      'open Sign in to Intuit',
      '/finsync connect plaid',
      '/finsync connect powerbi',
      '/finsync alerts #finance',
      '/finsync status',
      'click Share in Channel',
    ].join('\n'),
  );
  assert.equal(result.status, 0, result.stderr + result.stdout.slice(-3000));
  const out = result.stdout;
  assert.doesNotMatch(out, /localhost(:|%3A)0\b/, 'no link points at port 0');
  assert.match(out, /redirect_uri=http%3A%2F%2Flocalhost%3A\d{4,5}%2Foauth/);
  assert.match(out, /QuickBooks Online is connected/);
  assert.match(out, /Plaid's page finished: connected as "plaid"/);
  assert.match(out, /Connected Power BI as `powerbi`/);
  assert.match(out, /3 healthy|0 of 3 healthy/);
  // What a person sees: names, not ids; emoji, not shortcodes; no internal ids; no secret printed.
  assert.match(out, /#finance/);
  assert.match(out, /@sandbox-user/);
  assert.doesNotMatch(out, /C0FINANCE1|USANDBOX01/);
  assert.doesNotMatch(out, /‹|›/);
  assert.doesNotMatch(out, /:white_check_mark:|:lock:/);
  assert.match(out, /✅/);
  assert.doesNotMatch(out, /emu~SecretValue/, 'the Power BI client secret is not printed');
  // A form's explanation comes before its questions.
  assert.ok(out.indexOf('Publishes the ledger') < out.indexOf('  Tenant ID:'), out);
});
