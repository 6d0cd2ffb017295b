/**
 * `npm start`: the real app from environment settings. A missing or invalid setting, or an unreadable
 * store, stops start-up with one clear line and exit code 1 (no stack trace).
 */
import { createApp } from './app.ts';
import { loadConfig, readEnvironment } from './config.ts';
import { ConfigError, StorageError } from './errors.ts';
import { setProcessRole } from './store/lease.ts';

async function main(): Promise<void> {
  setProcessRole('app');
  const config = loadConfig(readEnvironment(), { requireSlack: true });
  const app = await createApp(config);
  const port = await app.start();
  app.log.info('finsync is listening', { port, store: app.store.kind, dataDir: config.dataDir });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info('stopping: finishing running syncs at a committed page', { signal });
    void app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StorageError) {
    // One line per problem: every bad setting is named at once.
    for (const line of error.message.split('\n')) console.error(`finsync: ${line}`);
  } else {
    console.error(`finsync: could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
