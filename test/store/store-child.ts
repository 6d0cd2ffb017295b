/**
 * A second (third…) OS process on one embedded store folder, for cross-process tests: it opens the store,
 * performs the operations it is given, prints one JSON line per result and closes the store.
 *
 * Usage: node --import tsx test/store/store-child.ts '<dataDir>' '<StoreOp[] as JSON>'
 */
import { randomUUID } from 'node:crypto';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { processHolder } from '../../src/store/lease.ts';
import type { Connection, PageWrite } from '../../src/store/types.ts';

export type StoreOp =
  | { readonly op: 'apply'; readonly page: PageWrite }
  /** `times` commits of `page`, each with its record ids suffixed `-<i>` (new records every time). */
  | { readonly op: 'applyMany'; readonly page: PageWrite; readonly times: number }
  | { readonly op: 'adopt'; readonly connection: string; readonly stream: string; readonly readId: string }
  /** `times` read-modify-writes of a numeric setting, each adding 1. */
  | { readonly op: 'increment'; readonly key: string; readonly times: number }
  /** `times` writes of the connection's label (`<prefix><i>`), as a token rotation would write. */
  | { readonly op: 'label'; readonly connection: string; readonly prefix: string; readonly times: number }
  /**
   * Starts a CLI run of the connection holding its lease, renews the lease every third of `ttlMs`, prints
   * `held` and waits to be killed: a `npx finsync sync` in progress, as other processes see it.
   */
  | { readonly op: 'holdRun'; readonly connection: string; readonly ttlMs: number }
  /** Waits until `at` (epoch ms), then creates the connection; prints `created` or the error's class name. */
  | { readonly op: 'create'; readonly connection: Connection; readonly at: number }

  /** `times` attempts to move payment request `id` from open to paid (as `ref`); prints how many won. */
  | { readonly op: 'markPaid'; readonly id: string; readonly ref: string; readonly times: number };

const [dataDir, opsJson] = process.argv.slice(2);
const store = await EmbeddedStore.open(dataDir!);
try {
  for (const op of JSON.parse(opsJson!) as StoreOp[]) {
    switch (op.op) {
      case 'apply':
        process.stdout.write(`${JSON.stringify(await store.applyPage(op.page))}\n`);
        break;
      case 'applyMany':
        for (let i = 0; i < op.times; i++)
          await store.applyPage({
            ...op.page,
            records: op.page.records.map((r) => ({
              ...r,
              id: `${r.id}-${i}`,
              raw: { ...r.raw, id: `${r.raw.id}-${i}` },
            })),
          });
        break;
      case 'adopt':
        process.stdout.write(
          `${JSON.stringify(await store.adoptProvisional(op.connection, op.stream, op.readId))}\n`,
        );
        break;
      case 'create': {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, op.at - Date.now())));
        const outcome = await store.createConnection(op.connection).then(
          () => 'created',
          (error: unknown) => (error instanceof Error ? error.constructor.name : String(error)),
        );
        process.stdout.write(`${JSON.stringify(outcome)}\n`);
        break;
      }
      case 'increment':
        for (let i = 0; i < op.times; i++) await store.modifySetting<number>(op.key, (n) => (n ?? 0) + 1);
        break;
      case 'holdRun': {
        const lease = { holder: processHolder('cli'), ttlMs: op.ttlMs };
        const id = randomUUID();
        await store.startRun(
          {
            id,
            connection: op.connection,
            trigger: 'cli',
            triggeredBy: 'cli',
            startedAt: new Date().toISOString(),
            endedAt: null,
            status: 'running',
            streams: {},
            errorClass: null,
            errorMessage: null,
            skipped: [],
          },
          lease,
        );
        setInterval(() => void store.renewRunLease(id, lease), Math.floor(op.ttlMs / 3));
        process.stdout.write('held\n');
        await new Promise(() => {});
        break;
      }
      case 'markPaid': {
        let won = 0;
        for (let i = 0; i < op.times; i++) {
          const paid = await store.paymentRequests.transition(op.id, ['open'], 'paid', {
            paymentRef: op.ref,
          });
          if (paid) won++;
        }
        process.stdout.write(`${JSON.stringify({ won })}\n`);
        break;
      }
      case 'label':
        for (let i = 0; i < op.times; i++)
          await store.updateConnection(op.connection, { accountLabel: `${op.prefix}${i}` });
        break;
    }
  }
} finally {
  await store.close();
}
