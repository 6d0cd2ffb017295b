/**
 * The real finsync app against local emulators of Slack and of every registered provider, with its own data
 * folder and a generated key: what the sandbox shows people and what the tests drive with signed requests.
 * Each provider's emulator and the settings that point the app at it come from its descriptor.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningEmulator } from '../../connectors/provider.ts';
import {
  allProviders,
  type EmulatorOptions,
  type Emulators,
  providerFor,
} from '../../connectors/registry.ts';
import { type AppOptions, createApp, type FinsyncApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { type SlackEmulator, startSlackEmulator } from './slack-emulator.ts';

/** The app, Slack's emulator, and each provider's emulator under its id (`world.stripe.control`, …). */
export type EmulatedWorld = Emulators & {
  readonly app: FinsyncApp;
  readonly slack: SlackEmulator;
  /** Where signed Slack requests go. */
  readonly target: { url: string; signingSecret: string };
  readonly dataDir: string;
  /** The settings the app was started with (to restart it on the same data). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the app and the emulators; removes the data folder unless kept or given by the caller. */
  close(options?: { keepData?: boolean }): Promise<void>;
};

export interface WorldOptions {
  readonly admins: readonly string[];
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Options of the providers' emulators, by provider id (e.g. how many Stripe objects to seed). */
  readonly emulators?: EmulatorOptions;
  readonly app?: AppOptions;
}

/** Starts every registered provider's emulator; closes the ones started if one fails to start. */
async function startProviderEmulators(
  options: EmulatorOptions,
): Promise<{ readonly emulators: Emulators; readonly env: Record<string, string> }> {
  const started: Record<string, RunningEmulator> = {};
  const env: Record<string, string> = {};
  try {
    for (const provider of allProviders()) {
      const emulator = await provider.emulator.start(options[provider.id as keyof EmulatorOptions]);
      started[provider.id] = emulator;
      Object.assign(env, provider.emulator.env(emulator));
    }
  } catch (error) {
    await Promise.all(Object.values(started).map((emulator) => emulator.close()));
    throw error;
  }
  // Each entry was started by the descriptor of the provider under that id: the mapped type holds.
  return { emulators: started as unknown as Emulators, env };
}

/**
 * A port free now, for a world whose printed links must carry the app's real port (FINSYNC_PUBLIC_URL is
 * derived from PORT at start-up): the sandbox passes it as `env.PORT`. Tests keep port 0, which cannot race.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startEmulatedWorld(options: WorldOptions): Promise<EmulatedWorld> {
  const botToken = `xoxb-emulated-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await startSlackEmulator({ botToken });
  const providers = await startProviderEmulators(options.emulators ?? {}).catch(async (error: unknown) => {
    await slack.close();
    throw error;
  });
  const closeEmulators = () =>
    Promise.all([
      slack.close(),
      ...Object.values<RunningEmulator>(providers.emulators).map((emulator) => emulator.close()),
    ]);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'finsync-'));
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.url,
    PORT: '0',
    FINSYNC_DATA_DIR: dataDir,
    FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINSYNC_ADMINS: options.admins.join(','),
    ...providers.env,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const app = await createApp(loadConfig(env), { processBeforeResponse: true, ...options.app });
  const port = await app.start();
  for (const provider of allProviders()) {
    const emulator = (providers.emulators as unknown as Readonly<Record<string, RunningEmulator>>)[
      provider.id
    ];
    if (emulator) provider.emulator.connectApp?.(emulator, `http://127.0.0.1:${port}`);
  }
  return {
    ...providers.emulators,
    app,
    slack,
    target: { url: `http://127.0.0.1:${port}`, signingSecret: env['SLACK_SIGNING_SECRET']! },
    dataDir,
    env,
    async close(closeOptions = {}) {
      await app.stop();
      await closeEmulators();
      if (!closeOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A provider's running emulator in the world, by id (undefined for an id the registry does not know). */
export function emulatorOf(world: EmulatedWorld, id: string): RunningEmulator | undefined {
  // The registry's ids are exactly the world's emulator members (Emulators is mapped over them).
  return providerFor(id) ? (world as unknown as Readonly<Record<string, RunningEmulator>>)[id] : undefined;
}
