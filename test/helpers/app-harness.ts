/**
 * Tests drive the real finsync app (Bolt over HTTP on a free port) against the emulators, with signed
 * requests; this adds captured log lines and test-speed scheduler settings to the sandbox's world.
 */
import { PassThrough } from 'node:stream';
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  EMULATOR_GROUP,
  EMULATOR_TENANT_ID,
} from '../../connectors/powerbi/emulator.ts';
import { allProviders, type EmulatorOptions } from '../../connectors/registry.ts';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { type EmulatedWorld, emulatorOf, startEmulatedWorld } from '../../src/sandbox/emulated-world.ts';
import type { Finsync } from '../../src/services/finsync.ts';
import { waitFor } from './wait-for.ts';

export const ADMIN = 'UADMIN0001';
export const MEMBER = 'UMEMBER001';

export interface Harness extends EmulatedWorld {
  readonly logLines: string[];
}

export interface HarnessOptions {
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  /** Options of the providers' emulators, by provider id (e.g. `{ stripe: { count: 300 } }`). */
  readonly emulators?: EmulatorOptions;
  /** The app's clock of incidents, digests and payment requests (tests move it). */
  readonly now?: () => Date;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logLines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) =>
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
  );
  const world = await startEmulatedWorld({
    admins: [ADMIN],
    ...options,
    env: { LOG_LEVEL: 'debug', ...options.env },
    app: {
      logStream,
      schedulerPollMs: 200,
      schedulerLockMs: 2_000,
      sleep: async () => {},
      // Slack's 1 message/s per channel, scaled down so tests see many messages in little time.
      outbox: { paceMs: 5, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } },
      ...(options.now ? { now: options.now } : {}),
    },
  });
  return Object.assign(world, { logLines });
}

/**
 * Closes Slack's emulator and every registered provider's (a new provider's too), for tests that stopped the
 * app themselves and keep its data: an emulator left open keeps the test process alive.
 */
export async function closeEmulators(h: EmulatedWorld): Promise<void> {
  await Promise.all(
    [h.slack, ...allProviders().flatMap((p) => emulatorOf(h, p.id) ?? [])].map((e) => e.close()),
  );
}

/** Connects the Stripe emulator's account as `name`, as an admin would (no Slack round trip). */
export async function connectStripe(h: Harness, name = 'stripe'): Promise<void> {
  await h.app.finsync.connect({
    provider: 'stripe',
    name,
    input: { api_key: EMULATOR_SECRET_KEY },
    actor: ADMIN,
  });
}

/** Connects the Power BI emulator's workspace as `name` with its service principal, as an admin would. */
export async function connectPowerBi(finsync: Finsync, name = 'powerbi'): Promise<void> {
  await finsync.connect({
    provider: 'powerbi',
    name,
    input: {
      tenant_id: EMULATOR_TENANT_ID,
      client_id: EMULATOR_CLIENT_ID,
      client_secret: EMULATOR_CLIENT_SECRET,
      workspace_id: EMULATOR_GROUP.id,
    },
    actor: ADMIN,
  });
}

/**
 * Connects the QuickBooks emulator's company `realmId` as `name`, with tokens the emulator minted, as the OAuth
 * callback would after consent (no browser round trip).
 */
export async function connectQuickBooks(h: Harness, realmId: string, name = 'quickbooks'): Promise<void> {
  const t = h.quickbooks.control.issueTokens(realmId);
  await h.app.finsync.connect({
    provider: 'quickbooks',
    name,
    input: {
      realm_id: realmId,
      access_token: t.access_token,
      refresh_token: t.refresh_token,
      access_expires_at: new Date(Date.now() + t.expires_in * 1000).toISOString(),
      refresh_expires_at: new Date(Date.now() + t.x_refresh_token_expires_in * 1000).toISOString(),
    },
    actor: ADMIN,
    fromOAuth: true,
  });
}

/**
 * Connects the Sage emulator's consenting user (by default the one with a single business) as `name`, with
 * tokens the emulator minted, as the OAuth callback would after consent (no browser round trip).
 */
export async function connectSage(h: Harness, name = 'sage', user?: string): Promise<void> {
  const t = h.sage.control.issueTokens(user);
  await h.app.finsync.connect({
    provider: 'sage',
    name,
    input: {
      access_token: t.access_token,
      refresh_token: t.refresh_token,
      access_expires_at: new Date(Date.now() + t.expires_in * 1000).toISOString(),
      refresh_expires_at: new Date(Date.now() + t.refresh_token_expires_in * 1000).toISOString(),
    },
    actor: ADMIN,
    fromOAuth: true,
  });
}

/**
 * `/finsync sync <target>` as `actor`, then waits until the run it queued has ended, its job and incident
 * bookkeeping with it. syncNow answers once the job is queued, maybe before it starts; draining the engine
 * and the jobs then waits for nothing, so the run itself is waited for.
 */
export async function syncNowAndWait(h: Harness, target: string, actor = ADMIN): Promise<void> {
  const runsBefore = (await h.app.store.listRuns(target, 1_000)).length;
  const [start] = await h.app.finsync.syncNow({ target, trigger: 'manual', actor, notify: { kind: 'none' } });
  if (start?.outcome !== 'queued') throw new Error(`the sync of ${target} was not queued: ${start?.outcome}`);
  await waitFor(
    `the sync of ${target} to end`,
    async () => {
      const runs = await h.app.store.listRuns(target, 1_000);
      return runs.length > runsBefore && runs.every((run) => run.status !== 'running');
    },
    10_000,
  );
  await h.app.core.jobs.drain();
  await h.app.core.incidents.drain();
}
