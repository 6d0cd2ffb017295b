/**
 * Secrets never leave in clear. A full run through the app (Stripe with a webhook secret, Plaid through
 * Link, QuickBooks through OAuth, PayPal and Power BI with their client secrets; a sync of each; failing syncs with a
 * rolled Stripe key and revoked QuickBooks tokens; history, status, audit; then the CLI's reads and
 * exports) and then every log line, Slack emulator call and response_url post, HTTP answer, CLI output
 * and every file in the data folder (as bytes) is searched for every credential value used: none may appear.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSandboxPublicToken } from '../../connectors/plaid/connector.ts';
import { EMULATOR_CLIENT_ID, EMULATOR_GROUP, EMULATOR_TENANT_ID } from '../../connectors/powerbi/emulator.ts';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import {
  appHomeOpened,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import { ADMIN, closeEmulators, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

let h: Harness;
let n = 0;
let appStopped = false;
/** Every credential value the run used, by what it is. */
const secrets = new Map<string, string>();
/** Everything that left the app other than logs, Slack traffic and files: HTTP answers, CLI output. */
const outputs: string[] = [];

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const ROLLED_KEY = `sk_test_51Rolled${randomBytes(12).toString('hex')}`;

function secret(name: string, value: string | undefined): void {
  assert.ok(value && value.length >= 8, `${name} is known`);
  secrets.set(name, value);
}

/** Adds every credential of a stored connection (decrypted here, in the test) to the search. */
async function secretsOf(name: string): Promise<void> {
  const connection = await h.app.store.getConnection(name);
  assert.ok(connection, name);
  for (const [key, value] of Object.entries(h.app.finsync.credentialsOf(connection)))
    if (/token|secret|key/.test(key) && value) secret(`${name}.${key}@${secrets.size}`, value);
}

/** /finsync TEXT as the admin; resolves with the first answer (ack body or response_url post). */
async function command(text: string, userId = ADMIN): Promise<string> {
  const id = `leak${++n}`;
  const reply = await sendSlashCommand(h.target, { text, userId, responseUrl: h.slack.responseUrl(id) });
  assert.equal(reply.status, 200, text);
  outputs.push(JSON.stringify(reply.body));
  if (typeof reply.body === 'object' && reply.body !== null) return JSON.stringify(reply.body);
  return JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
}

/** /finsync connect PROVIDER as the admin: the form it opened. */
async function openConnectForm(provider: string): Promise<string> {
  const since = h.slack.calls.length;
  const reply = await sendSlashCommand(h.target, { text: `connect ${provider}`, userId: ADMIN });
  assert.equal(reply.status, 200);
  const opened = await h.slack.waitForCall('views.open', (c) => h.slack.calls.indexOf(c) >= since);
  return JSON.stringify(opened.args['view']);
}

/** /finsync sync NAME, waiting for the result that replaces the "started" answer. */
async function syncFromSlack(name: string): Promise<string> {
  const id = `leak${++n}`;
  await sendSlashCommand(h.target, {
    text: `sync ${name}`,
    userId: ADMIN,
    responseUrl: h.slack.responseUrl(id),
  });
  const result = await h.slack.waitForResponse(
    (r) => r.id === id && /Sync of /.test(JSON.stringify(r.body)),
    20_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  return JSON.stringify(result.body);
}

async function fetchText(url: string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  outputs.push(await response.clone().text());
  return response;
}

function connectForm(provider: string, name: string, fields: Record<string, string | null>) {
  const values: Record<string, Record<string, ReturnType<typeof stateValue.text>>> = {
    connection_name: { value: stateValue.text(name) },
  };
  for (const [key, value] of Object.entries(fields))
    values[`cred_${key}`] = { value: stateValue.text(value) };
  return sendViewSubmission(h.target, {
    callbackId: 'connect_submit',
    userId: ADMIN,
    privateMetadata: JSON.stringify({ provider, channelId: null }),
    values,
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets never leave in clear', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 30 } } });
    secret('SLACK_BOT_TOKEN', h.env['SLACK_BOT_TOKEN']);
    secret('SLACK_SIGNING_SECRET', h.env['SLACK_SIGNING_SECRET']);
    secret('FINSYNC_ENCRYPTION_KEY', h.env['FINSYNC_ENCRYPTION_KEY']);
    secret('PLAID_SECRET', h.plaid.secret);
    secret('QUICKBOOKS_CLIENT_SECRET', h.quickbooks.clientSecret);
    secret('Stripe API key', EMULATOR_SECRET_KEY);
    secret('Stripe webhook secret', WEBHOOK_SECRET);
    secret('rolled Stripe API key', ROLLED_KEY);
    secret('Power BI client secret', h.powerbi.control.clientSecret);
    secret('PayPal client secret', h.paypal.clientSecret);
  });
  after(async () => {
    // Every registered provider's emulator (a new provider's too), and Slack's: an open server keeps the run alive.
    if (appStopped) await closeEmulators(h);
    else await h.close({ keepData: true });
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('connect Stripe (key and webhook secret) and Power BI (client secret) through their forms', async () => {
    assert.match(await openConnectForm('stripe'), /cred_webhook_secret/);
    const stripe = await connectForm('stripe', 'stripe', {
      api_key: EMULATOR_SECRET_KEY,
      webhook_secret: WEBHOOK_SECRET,
      backfill_from: null,
    });
    outputs.push(JSON.stringify(stripe.body));
    assert.match(JSON.stringify(stripe.body), /"response_action":"update"/);
    // A rejected key travels the same way: it must not be echoed back either.
    const rejected = await connectForm('stripe', 'stripe-2', { api_key: `${EMULATOR_SECRET_KEY}x` });
    outputs.push(JSON.stringify(rejected.body));
    secret('rejected Stripe key', `${EMULATOR_SECRET_KEY}x`);
    assert.match(await openConnectForm('powerbi'), /cred_client_secret/);
    const powerbi = await connectForm('powerbi', 'powerbi', {
      tenant_id: EMULATOR_TENANT_ID,
      client_id: EMULATOR_CLIENT_ID,
      client_secret: h.powerbi.control.clientSecret,
      workspace_id: EMULATOR_GROUP.id,
    });
    outputs.push(JSON.stringify(powerbi.body));
    assert.match(JSON.stringify(powerbi.body), /"response_action":"update"/);
    await secretsOf('stripe');
    await secretsOf('powerbi');
  });

  test('connect PayPal (client id and secret) through its form; a refused secret is not echoed', async () => {
    assert.match(await openConnectForm('paypal'), /cred_client_secret/);
    const rejected = await connectForm('paypal', 'paypal', {
      client_id: h.paypal.clientId,
      client_secret: `${h.paypal.clientSecret}x`,
    });
    outputs.push(JSON.stringify(rejected.body));
    secret('rejected PayPal secret', `${h.paypal.clientSecret}x`);
    assert.match(JSON.stringify(rejected.body), /invalid_client/);
    const paypal = await connectForm('paypal', 'paypal', {
      client_id: h.paypal.clientId,
      client_secret: h.paypal.clientSecret,
      webhook_id: h.paypal.control.webhookId,
      history_from: null,
    });
    outputs.push(JSON.stringify(paypal.body));
    assert.match(JSON.stringify(paypal.body), /"response_action":"update"/);
    await secretsOf('paypal');
  });

  test('connect Plaid through Link with a sandbox public token', async () => {
    const form = await openConnectForm('plaid');
    const url = /"url":"([^"]+\/plaid\/link\?state=[^"]+)"/.exec(form)?.[1];
    assert.ok(url);
    const state = new URL(url).searchParams.get('state')!;
    assert.equal((await fetchText(`${h.target.url}/plaid/link?state=${state}`)).status, 200);
    const publicToken = await createSandboxPublicToken({
      baseUrl: h.plaid.url,
      clientId: h.plaid.clientId,
      secret: h.plaid.secret,
    });
    secret('Plaid public token', publicToken);
    const done = await fetchText(`${h.target.url}/plaid/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public_token: publicToken, state }),
    });
    assert.equal(done.status, 200);
    await secretsOf('plaid');
  });

  test('connect QuickBooks through OAuth', async () => {
    const answer = await command('connect quickbooks');
    const consent = /"url":"([^"]+)"/.exec(answer)?.[1];
    assert.ok(consent, answer);
    const intuit = await fetch(consent, { redirect: 'manual' });
    const back = new URL(intuit.headers.get('location')!);
    secret('QuickBooks authorization code', back.searchParams.get('code') ?? undefined);
    const page = await fetchText(`${h.target.url}${back.pathname}${back.search}`);
    assert.equal(page.status, 200);
    await secretsOf('quickbooks');
  });

  test('sync each; a rolled Stripe key and revoked QuickBooks tokens fail without showing them', async () => {
    for (const name of ['stripe', 'plaid', 'quickbooks', 'paypal', 'powerbi'])
      assert.match(await syncFromSlack(name), /Succeeded/, name);
    await secretsOf('quickbooks'); // rotated refresh and access tokens
    secret('QuickBooks refresh token (latest)', h.quickbooks.control.latestRefreshToken());
    await h.app.store.createConnection({
      name: 'stripe-old',
      provider: 'stripe',
      accountLabel: 'Stripe account (rolled key)',
      accountId: null,
      credentials: h.app.core.keyring.seal(JSON.stringify({ api_key: ROLLED_KEY }), 'connection:stripe-old'),
      state: 'active',
      stateReason: null,
      schedule: null,
      createdAt: new Date().toISOString(),
      createdBy: ADMIN,
    });
    assert.match(await syncFromSlack('stripe-old'), /Failed/);
    h.quickbooks.control.revokeRefreshTokens();
    h.quickbooks.control.expireAccessTokens();
    assert.match(await syncFromSlack('quickbooks'), /Failed/);
    h.plaid.control.resetLogin();
    assert.doesNotMatch(await syncFromSlack('plaid'), /Succeeded/);
  });

  test('history, status, audit and the Home tab, for an admin and a member', async () => {
    for (const name of ['stripe', 'plaid', 'quickbooks', 'paypal', 'powerbi', 'stripe-old'])
      assert.match(await command(`history ${name}`), new RegExp(name));
    await command('status');
    await command('status', MEMBER);
    assert.match(await command('audit 100'), /audit log/);
    await sendEvent(h.target, appHomeOpened(ADMIN));
    await h.slack.waitForCall('views.publish', (c) => c.args['user_id'] === ADMIN);
    outputs.push(await (await fetch(`${h.target.url}/healthz`)).text());
  });

  test('the CLI reads and exports the same data (and fails a sync) without printing a credential', async () => {
    // One process writes the embedded store at a time: stop the app, keep its data and the emulators.
    await h.app.stop();
    appStopped = true;
    const env = { ...h.env, LOG_LEVEL: 'debug' };
    for (const args of [
      ['status'],
      ['--json', 'status'],
      ['history', 'stripe'],
      ['--json', 'history', 'quickbooks'],
      ['audit', '50'],
      ['sync', 'stripe-old'],
      ['--json', 'sync', 'stripe-old'],
      ['export', 'records'],
      ['export', 'records', '--format', 'csv'],
      ['export', 'runs'],
      ['export', 'runs', '--format', 'csv'],
      ['export', 'audit'],
      ['export', 'audit', '--format', 'csv'],
    ]) {
      const result = await runCli(args, env);
      outputs.push(result.stdout, result.stderr);
      if (args[0] === 'export') assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.ok(
      outputs.some((o) => /Invalid API Key|api key|401/i.test(o)),
      'the rolled key failure is explained',
    );
  });

  test('no credential value appears in any log line, Slack call, HTTP answer, CLI output or data file', (t) => {
    const places: [string, Buffer][] = [
      ['log lines', Buffer.from(h.logLines.join('\n'))],
      ['Slack Web API calls', Buffer.from(JSON.stringify(h.slack.calls))],
      ['response_url posts', Buffer.from(JSON.stringify(h.slack.responses))],
      ['HTTP answers and CLI output', Buffer.from(outputs.join('\n'))],
      ...filesUnder(h.dataDir).map((file): [string, Buffer] => [file, readFileSync(file)]),
    ];
    assert.ok(h.logLines.length > 100, `logs were captured (${h.logLines.length} lines)`);
    assert.ok(
      places.some(([where]) => where.endsWith('.db')),
      'the SQLite file is searched',
    );
    const key = Buffer.from(h.env['FINSYNC_ENCRYPTION_KEY']!, 'base64');
    const leaks: string[] = [];
    for (const [where, bytes] of places) {
      for (const [name, value] of secrets)
        for (const form of new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]))
          if (bytes.includes(form)) leaks.push(`${name} in ${where}`);
      if (bytes.includes(key)) leaks.push(`the raw encryption key bytes in ${where}`);
      if (bytes.includes(key.toString('hex'))) leaks.push(`the encryption key (hex) in ${where}`);
    }
    t.diagnostic(
      `searched ${places.length} places for ${secrets.size} secrets: ${[...secrets.keys()].join(', ')}`,
    );
    assert.ok(secrets.size >= 16, `searched for ${secrets.size} secrets`);
    assert.deepEqual(leaks, []);
  });
});
