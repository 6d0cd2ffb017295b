/** Factories for the Power BI tests: a fake clock shared by emulator and client, settings, a context, rows. */
import type { PublishRow, PublishRunRow } from '../../../connectors/destination.ts';
import {
  createPowerBiDestination,
  type PowerBiDestinationOptions,
} from '../../../connectors/powerbi/destination.ts';
import {
  type PowerBiEmulator,
  type PowerBiEmulatorOptions,
  startPowerBiEmulator,
} from '../../../connectors/powerbi/emulator.ts';
import type { PowerBiContext, PowerBiSettings } from '../../../connectors/powerbi/settings.ts';
import type { Credentials } from '../../../connectors/types.ts';
import { silentLogger } from '../../../src/log.ts';
import type { LedgerRecord } from '../../../src/records.ts';

/** Virtual time: `sleep` moves the clock instead of waiting, and records what was asked. */
export class FakeClock {
  t = Date.parse('2026-01-05T09:00:00Z');
  readonly start = this.t;
  readonly sleeps: number[] = [];
  readonly now = (): number => this.t;
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    const wake = this.t + ms;
    // Let other work run first, as a real timer would.
    await Promise.resolve();
    this.t = Math.max(this.t, wake);
  };
  get elapsed(): number {
    return this.t - this.start;
  }
}

export function settingsFor(emu: PowerBiEmulator): PowerBiSettings {
  // The real Microsoft host on purpose: the test fails if MSAL ever tried to reach it (no internet here).
  return { authorityHost: 'https://login.microsoftonline.com', tokenUrl: emu.tokenUrl, apiBase: emu.url };
}

export function context(settings: PowerBiSettings, clock: FakeClock): PowerBiContext {
  return { settings, log: silentLogger(), sleep: clock.sleep };
}

export function credentials(
  emu: PowerBiEmulator,
  overrides: Partial<Record<string, string>> = {},
): Credentials {
  return {
    tenant_id: emu.control.tenantId,
    client_id: emu.control.clientId,
    client_secret: emu.control.clientSecret,
    workspace_id: emu.control.groupId,
    ...overrides,
  } as Credentials;
}

export interface World {
  readonly emu: PowerBiEmulator;
  readonly clock: FakeClock;
  readonly ctx: PowerBiContext;
  readonly destination: ReturnType<typeof createPowerBiDestination>;
}

/** An emulator and a destination on one fake clock. */
export async function world(
  emulatorOptions: PowerBiEmulatorOptions = {},
  destinationOptions: PowerBiDestinationOptions = {},
): Promise<World> {
  const clock = new FakeClock();
  const emu = await startPowerBiEmulator({ now: clock.now, ...emulatorOptions });
  const destination = createPowerBiDestination({ now: clock.now, timeoutMs: 2_000, ...destinationOptions });
  return { emu, clock, ctx: context(settingsFor(emu), clock), destination };
}

export function ledgerRecord(n: number, overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    id: `stripe:balance_transactions:txn_${String(n).padStart(8, '0')}`,
    connection: 'stripe',
    provider: 'stripe',
    stream: 'balance_transactions',
    kind: 'charge',
    amount: 1_000 + n,
    currency: 'USD',
    occurredAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    description: `Charge ${n}`,
    counterparty: null,
    status: 'available',
    moneyMovement: true,
    raw: { type: 'balance_transaction', id: `txn_${n}` },
    ...overrides,
  };
}

/** `count` rows with record numbers from `from`, version = number. */
export function publishRows(from: number, count: number): PublishRow[] {
  return Array.from({ length: count }, (_, i) => ({
    record: ledgerRecord(from + i),
    version: from + i,
    deleted: false,
  }));
}

export function runRow(n: number): PublishRunRow {
  return {
    runId: `run_${n}`,
    connection: 'stripe',
    trigger: 'schedule',
    status: 'succeeded',
    startedAt: '2026-01-05T09:00:00.000Z',
    endedAt: '2026-01-05T09:00:05.000Z',
    records: n,
  };
}

/** A bearer token straight from the emulator, for tests that talk to it without the client. */
export async function rawToken(emu: PowerBiEmulator): Promise<string> {
  const response = await fetch(emu.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.control.clientId,
      client_secret: emu.control.clientSecret,
      scope: 'https://analysis.windows.net/powerbi/api/.default',
    }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
