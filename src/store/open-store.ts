/**
 * The one place a store implementation is chosen: `FINSYNC_DATA_DIR` for the embedded store, `MONGODB_URI`
 * (once finsync has a MongoDB store) for a server. Everything else takes a `Store`.
 */
import { ConfigError } from '../errors.ts';
import { EmbeddedStore } from './embedded/embedded-store.ts';
import type { Store } from './types.ts';

export interface StoreSettings {
  readonly dataDir: string;
  readonly mongodbUri: string | undefined;
}

export async function openStore(settings: StoreSettings): Promise<Store> {
  // Never a silent fallback: data written to the folder while the operator believes it goes to MongoDB
  // would be missing from every other process.
  if (settings.mongodbUri !== undefined)
    throw new ConfigError(
      'MONGODB_URI',
      'MONGODB_URI is set, but this version of finsync has no MongoDB store yet: unset it to use the embedded store in FINSYNC_DATA_DIR',
    );
  return EmbeddedStore.open(settings.dataDir);
}
