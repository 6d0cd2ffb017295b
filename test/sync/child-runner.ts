/**
 * Runs test/sync/sync-child.ts as a real OS process and collects its JSON-line events, so tests can kill it
 * (SIGKILL) at chosen points or start a second process while the first is mid-sync.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { addConnection, PAGE_PER_COMMIT, settingsFor, tempDir } from './helpers.ts';
import type { ChildConfig, ChildEvent } from './sync-child.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'sync-child.ts');
const ROOT = join(HERE, '..', '..');

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: readonly ChildEvent[];
  readonly stderr: string;
}

export interface RunningChild {
  readonly pid: number;
  readonly done: Promise<ChildResult>;
  kill(): void;
}

/**
 * Starts the child; `onEvent` sees each event and may return a delay in ms after which to SIGKILL it
 * (the first such answer arms the kill).
 */
export function startChild(
  config: ChildConfig,
  onEvent?: (event: ChildEvent) => number | undefined,
): RunningChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ChildEvent[] = [];
  let stderr = '';
  let armed = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as ChildEvent;
    events.push(event);
    if (armed || !onEvent) return;
    const delay = onEvent(event);
    if (delay === undefined) return;
    armed = true;
    setTimeout(() => child.kill('SIGKILL'), delay);
  });
  return {
    pid: child.pid ?? 0,
    done: new Promise((resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, events, stderr }));
    }),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Runs the child to its end (or its kill). */
export function runChild(
  config: ChildConfig,
  killWhen?: (event: ChildEvent) => number | undefined,
): Promise<ChildResult> {
  return startChild(config, killWhen).done;
}

/**
 * A new data folder with one connection `plaid` to a new item of `emu`, and the child config that syncs it
 * committing every page on its own (so a child can be caught, or killed, inside a pagination set).
 */
export async function plaidChildConfig(emu: PlaidEmulator): Promise<ChildConfig> {
  const item = emu.control.createItem();
  const credentials = { access_token: item.accessToken, item_id: item.itemId };
  const dataDir = tempDir();
  const setup = await EmbeddedStore.open(dataDir);
  await addConnection(setup, 'plaid', 'plaid', credentials);
  await setup.close();
  return {
    dataDir,
    connection: 'plaid',
    provider: 'plaid',
    settings: settingsFor({ plaid: emu }),
    credentials,
    batch: PAGE_PER_COMMIT,
  };
}
