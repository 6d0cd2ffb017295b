/**
 * Starts the real finsync app (Bolt over HTTP on a free port) against the Slack and Stripe emulators,
 * with a temporary data dir and a generated key. Tests drive it with signed requests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { createApp, type FinsyncApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';

export const ADMIN = 'UADMIN0001';
export const MEMBER = 'UMEMBER001';
export const SIGNING_SECRET = 'test-signing-secret-8f2a1c';
export const BOT_TOKEN = 'xoxb-test-0000-finsync';

export interface Harness {
  readonly app: FinsyncApp;
  readonly slack: SlackEmulator;
  readonly stripe: Awaited<ReturnType<typeof startStripeEmulator>>;
  readonly plaid: Awaited<ReturnType<typeof startPlaidEmulator>>;
  readonly target: { url: string; signingSecret: string };
  readonly dataDir: string;
  readonly logLines: string[];
  readonly env: Record<string, string>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface HarnessOptions {
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  readonly stripeObjects?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const slack = await startSlackEmulator({ botToken: BOT_TOKEN });
  const stripe = await startStripeEmulator({ count: options.stripeObjects ?? 30 });
  const plaid = await startPlaidEmulator({});
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'finsync-test-'));
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    FINSYNC_DATA_DIR: dataDir,
    FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINSYNC_ADMINS: ADMIN,
    STRIPE_API_BASE: stripe.url,
    PLAID_BASE_URL: plaid.url,
    PLAID_CLIENT_ID: plaid.clientId,
    PLAID_SECRET: plaid.secret,
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  const logLines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) =>
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
  );
  const app = await createApp(loadConfig(env), {
    processBeforeResponse: true,
    logStream,
    schedulerPollMs: 200,
    schedulerLockMs: 2_000,
    sleep: async () => {},
  });
  const port = await app.start();
  return {
    app,
    slack,
    stripe,
    plaid,
    target: { url: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET },
    dataDir,
    logLines,
    env,
    async close(closeOptions = {}) {
      await app.stop();
      await Promise.all([slack.close(), stripe.close(), plaid.close()]);
      if (!closeOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
