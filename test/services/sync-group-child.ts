/**
 * Another OS process running one job of a `sync all` group on the same store folder: it records its
 * connection's end in the group, then claims a report as the Slack reporter would, and prints the decision.
 *
 * Usage: node --import tsx test/services/sync-group-child.ts '<dataDir>' '<group id>' '<connection>'
 */

import { SyncGroups } from '../../src/services/sync-groups.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';

const [dataDir, group, connection] = process.argv.slice(2) as [string, string, string];
const store = await EmbeddedStore.open(dataDir);
try {
  const groups = new SyncGroups(store, () => new Date());
  const now = new Date().toISOString();
  await groups.update(group, {
    connection,
    state: 'ended',
    run: {
      id: `run-${connection}`,
      status: connection.endsWith('-bad') ? 'failed' : 'success',
      records: 10,
      startedAt: now,
      endedAt: now,
      errorClass: null,
      errorMessage: null,
    },
  });
  const decision = await groups.claimReport(group);
  process.stdout.write(
    `${JSON.stringify(decision.kind === 'report' ? { kind: 'report', final: decision.final } : { kind: decision.kind })}\n`,
  );
} finally {
  await store.close();
}
