/** The store contract on the embedded store: a fresh folder per test, a second handle on the same file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';
import { storeContract } from './contract/index.ts';

storeContract('embedded', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'finsync-contract-'));
  const open = () => openStore({ dataDir, mongodbUri: undefined });
  const handles: Store[] = [await open()];
  return {
    store: handles[0]!,
    async openSecond() {
      const second = await open();
      handles.push(second);
      return second;
    },
    async close() {
      for (const handle of handles) await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
