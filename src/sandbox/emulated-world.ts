/**
 * The real finsync app against local emulators of Slack, Stripe and Plaid, with its own data folder and a
 * generated key: what the sandbox shows people and what the tests drive with signed requests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PlaidEmulator, startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { type PowerBiEmulator, startPowerBiEmulator } from '../../connectors/powerbi/emulator.ts';
import { type QuickBooksEmulator, startQuickBooksEmulator } from '../../connectors/quickbooks/emulator.ts';
import { type StripeEmulator, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { type AppOptions, createApp, type FinsyncApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { type SlackEmulator, startSlackEmulator } from './slack-emulator.ts';

export interface EmulatedWorld {
  readonly app: FinsyncApp;
  readonly slack: SlackEmulator;
  readonly stripe: StripeEmulator;
  readonly plaid: PlaidEmulator;
  readonly powerbi: PowerBiEmulator;
  readonly quickbooks: QuickBooksEmulator;
  /** Where signed Slack requests go. */
  readonly target: { url: string; signingSecret: string };
  readonly dataDir: string;
  /** The settings the app was started with (to restart it on the same data). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the app and the emulators; removes the data folder unless kept or given by the caller. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface WorldOptions {
  readonly admins: readonly string[];
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly stripeObjects?: number;
  readonly app?: AppOptions;
}

export async function startEmulatedWorld(options: WorldOptions): Promise<EmulatedWorld> {
  const botToken = `xoxb-emulated-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await startSlackEmulator({ botToken });
  const stripe = await startStripeEmulator({ count: options.stripeObjects ?? 30 });
  const plaid = await startPlaidEmulator({});
  const powerbi = await startPowerBiEmulator({});
  const quickbooks = await startQuickBooksEmulator({});
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'finsync-'));
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.url,
    PORT: '0',
    FINSYNC_DATA_DIR: dataDir,
    FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINSYNC_ADMINS: options.admins.join(','),
    STRIPE_API_BASE: stripe.url,
    PLAID_BASE_URL: plaid.url,
    PLAID_CLIENT_ID: plaid.clientId,
    PLAID_SECRET: plaid.secret,
    MS_TOKEN_URL: `${powerbi.url}/{tenant}/oauth2/v2.0/token`,
    POWERBI_API_BASE: powerbi.url,
    QUICKBOOKS_CLIENT_ID: quickbooks.clientId,
    QUICKBOOKS_CLIENT_SECRET: quickbooks.clientSecret,
    QUICKBOOKS_AUTHORIZE_URL: `${quickbooks.url}/oauth2/authorize`,
    QUICKBOOKS_TOKEN_URL: `${quickbooks.url}/oauth2/v1/tokens/bearer`,
    QUICKBOOKS_API_BASE: quickbooks.url,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const app = await createApp(loadConfig(env), { processBeforeResponse: true, ...options.app });
  const port = await app.start();
  return {
    app,
    slack,
    stripe,
    plaid,
    powerbi,
    quickbooks,
    target: { url: `http://127.0.0.1:${port}`, signingSecret: env['SLACK_SIGNING_SECRET']! },
    dataDir,
    env,
    async close(closeOptions = {}) {
      await app.stop();
      await Promise.all([slack.close(), stripe.close(), plaid.close(), powerbi.close(), quickbooks.close()]);
      if (!closeOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
