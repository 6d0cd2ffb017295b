/**
 * A second (third…) OS process on one embedded store folder, for cross-process tests: it opens the store,
 * performs the operations it is given, prints one JSON line per result and closes the store.
 *
 * Usage: node --import tsx test/store/store-child.ts '<dataDir>' '<StoreOp[] as JSON>'
 */
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { PageWrite } from '../../src/store/types.ts';

export type StoreOp =
  | { readonly op: 'apply'; readonly page: PageWrite }
  | { readonly op: 'adopt'; readonly connection: string; readonly stream: string; readonly readId: string }
  /** `times` read-modify-writes of a numeric setting, each adding 1. */
  | { readonly op: 'increment'; readonly key: string; readonly times: number }
  /** `times` writes of the connection's label (`<prefix><i>`), as a token rotation would write. */
  | { readonly op: 'label'; readonly connection: string; readonly prefix: string; readonly times: number };

const [dataDir, opsJson] = process.argv.slice(2);
const store = await EmbeddedStore.open(dataDir!);
try {
  for (const op of JSON.parse(opsJson!) as StoreOp[]) {
    switch (op.op) {
      case 'apply':
        process.stdout.write(`${JSON.stringify(await store.applyPage(op.page))}\n`);
        break;
      case 'adopt':
        process.stdout.write(
          `${JSON.stringify(await store.adoptProvisional(op.connection, op.stream, op.readId))}\n`,
        );
        break;
      case 'increment':
        for (let i = 0; i < op.times; i++) await store.modifySetting<number>(op.key, (n) => (n ?? 0) + 1);
        break;
      case 'label':
        for (let i = 0; i < op.times; i++)
          await store.updateConnection(op.connection, { accountLabel: `${op.prefix}${i}` });
        break;
    }
  }
} finally {
  await store.close();
}
