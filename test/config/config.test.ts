import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ConfigError, ConfigErrors } from '../../src/errors.ts';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-test-1',
  SLACK_SIGNING_SECRET: 'signing-secret-test',
  FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  test('a MongoDB URI is a secret, and so is its password alone, as written and decoded', () => {
    const uri = 'mongodb://finsync:p%40ss-w0rd@127.0.0.1:27017/finsync';
    const config = loadConfig({ ...valid, MONGODB_URI: uri });
    assert.ok(config.secrets.includes(uri));
    assert.ok(config.secrets.includes('p%40ss-w0rd'));
    assert.ok(config.secrets.includes('p@ss-w0rd'));
    const noPassword = loadConfig({ ...valid, MONGODB_URI: 'mongodb://127.0.0.1:27017/finsync' });
    assert.deepEqual(
      noPassword.secrets.filter(
        (s) =>
          s !== valid.SLACK_BOT_TOKEN &&
          s !== valid.SLACK_SIGNING_SECRET &&
          s !== valid.FINSYNC_ENCRYPTION_KEY,
      ),
      ['mongodb://127.0.0.1:27017/finsync'],
    );
  });

  test('defaults follow CONVENTIONS.md', () => {
    const config = loadConfig(valid);
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, './data');
    assert.equal(config.timezone, 'UTC');
    assert.equal(config.digestTime, '08:00');
    assert.equal(config.slack.apiUrl, 'https://slack.com/api/');
    assert.equal(config.providers.stripe.apiBase, 'https://api.stripe.com');
    assert.equal(config.providers.plaid.baseUrl, 'https://sandbox.plaid.com');
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.deepEqual(config.admins, []);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.slack));
  });

  for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'FINSYNC_ENCRYPTION_KEY']) {
    test(`a missing ${name} names the setting and what is expected`, () => {
      const { [name]: _removed, ...env } = valid as Record<string, string>;
      const error = errorFor(env);
      assert.equal(error.setting, name);
      assert.match(error.message, new RegExp(`^${name} is not set: expected .+`));
    });
  }

  const invalid: [string, string, RegExp][] = [
    ['FINSYNC_ENCRYPTION_KEY', randomBytes(16).toString('base64'), /32 bytes in base64.*got 16 bytes/],
    ['FINSYNC_ENCRYPTION_KEY', 'not base64!', /32 bytes/],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /starting with xoxb-/],
    ['PORT', 'eighty', /whole number from 0 to 65535/],
    ['FINSYNC_TIMEZONE', 'Mars/Olympus', /IANA timezone/],
    ['FINSYNC_DIGEST_TIME', '8am', /HH:MM/],
    ['FINSYNC_ALERT_AFTER_FAILURES', '0', /whole number from 1 to 100/],
    ['FINSYNC_ESCALATE_AFTER_FAILURES', 'five', /whole number from 1 to 1000/],
    ['FINSYNC_ADMINS', 'U123ABC,bob', /"bob" is not one/],
    ['SLACK_API_URL', 'ftp://x', /http\(s\) URL/],
    ['MONGODB_URI', 'postgres://x', /mongodb:\/\//],
    ['PLAID_ENV', 'staging', /sandbox, development, production/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['MS_AUTHORITY_HOST', 'http://login.local', /must be an https URL/],
    ['QUICKBOOKS_TOKEN_URL', 'not a url', /http\(s\) URL/],
  ];
  for (const [name, value, pattern] of invalid) {
    test(`an invalid ${name} (${value}) is refused with a clear message`, () => {
      const error = errorFor({ ...valid, [name]: value });
      assert.equal(error.setting, name);
      assert.match(error.message, pattern);
    });
  }

  test('provider settings: QuickBooks redirect URI from FINSYNC_PUBLIC_URL, Microsoft defaults', () => {
    const config = loadConfig({ ...valid, FINSYNC_PUBLIC_URL: 'https://finsync.example.com/' });
    assert.equal(
      config.providers.quickbooks.redirectUri,
      'https://finsync.example.com/oauth/quickbooks/callback',
    );
    assert.equal(
      config.providers.quickbooks.tokenUrl,
      'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    );
    assert.equal(config.providers.powerbi.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(config.providers.powerbi.apiBase, 'https://api.powerbi.com');
    assert.equal(config.providers.powerbi.tokenUrl, undefined);
  });

  test('the CLI does not need Slack credentials', () => {
    const config = loadConfig(
      { FINSYNC_ENCRYPTION_KEY: valid.FINSYNC_ENCRYPTION_KEY },
      { requireSlack: false },
    );
    assert.equal(config.port, 3000);
  });

  test('npm start with a missing setting prints one line and exits 1, without a stack trace', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'finsync-config-'));
    const tsx = import.meta.resolve('tsx');
    const result = spawnSync(
      process.execPath,
      ['--import', tsx, join(import.meta.dirname, '../../src/main.ts')],
      {
        cwd,
        env: { PATH: process.env['PATH'] ?? '', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0]!,
      /^finsync: FINSYNC_ENCRYPTION_KEY is not set: expected 32 random bytes in base64/,
    );
    assert.equal(result.stdout, '');
  });

  test('every bad setting is named at once, one line each, by npm start and by the CLI', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'finsync-config-'));
    const tsx = import.meta.resolve('tsx');
    const env = {
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: 'not-a-bot-token',
      SLACK_SIGNING_SECRET: 's',
      PORT: 'eighty',
      FINSYNC_TIMEZONE: 'Mars/Olympus',
      STRIPE_API_BASE: 'ftp://stripe',
    };
    const expected = [
      /^finsync: PORT must be a whole number/,
      /^finsync: SLACK_BOT_TOKEN must be a bot token/,
      /^finsync: FINSYNC_TIMEZONE must be an IANA timezone/,
      /^finsync: STRIPE_API_BASE must be an http\(s\) URL/,
      /^finsync: FINSYNC_ENCRYPTION_KEY is not set/,
    ];
    const start = spawnSync(
      process.execPath,
      ['--import', tsx, join(import.meta.dirname, '../../src/main.ts')],
      {
        cwd,
        env,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    assert.equal(start.status, 1);
    const lines = start.stderr.trim().split('\n');
    assert.equal(lines.length, expected.length, start.stderr);
    for (const [i, pattern] of expected.entries()) assert.match(lines[i]!, pattern);
    // The CLI needs no Slack settings: every other problem is named, one line each.
    const cli = spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/finsync.js'), 'status'], {
      cwd,
      env,
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(cli.status, 1);
    const cliLines = cli.stderr.trim().split('\n');
    assert.deepEqual(
      cliLines.map((line) => line.split(' ')[1]),
      ['PORT', 'FINSYNC_TIMEZONE', 'STRIPE_API_BASE', 'FINSYNC_ENCRYPTION_KEY'],
      cli.stderr,
    );
  });

  test('a single bad setting is a ConfigError naming it; several are ConfigErrors listing each', () => {
    assert.equal(errorFor({ ...valid, PORT: 'x' }).setting, 'PORT');
    const several = errorFor({ ...valid, PORT: 'x', LOG_LEVEL: 'loud' });
    assert.ok(several instanceof ConfigErrors);
    assert.deepEqual(
      several.problems.map((problem) => problem.setting),
      ['PORT', 'LOG_LEVEL'],
    );
  });
});
